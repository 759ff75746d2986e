package dev.cacheback.spring;

import dev.cacheback.internal.KeyMemo;
import org.jspecify.annotations.Nullable;

import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Remembers, for one {@code @Cached} method, what its calls with the same argument values encode to,
 * so that a repeated call finds its encoded arguments and its key with one map lookup instead of a
 * Jackson encode per argument, a second encode of the list and a SHA-256.
 *
 * <p>Only calls whose every argument is an <em>immutable value</em> are remembered, because only for
 * those do equal arguments always encode to the same bytes: {@code null}, the value types of core's
 * key memo ({@link KeyMemo#isValueType}: strings, boxed primitives, {@code BigInteger},
 * {@code BigDecimal}, {@code UUID}, enums, the value classes of {@code java.time}), and records whose
 * fields hold only such values (recursively). A record is compared by its class and the values of its fields, read
 * directly, never by its own {@code equals} (which may be looser than its JSON). Any other argument
 * (a collection, an array, a bean, a record that holds one, a record the starter may not read
 * reflectively) makes the call compute its key as before, every time.
 *
 * <p>Bounded: when it holds {@code capacity} calls it is emptied and refills with the calls in use
 * (the bookkeeping-free bound of core's key memo). Thread-safe.
 *
 * @param <V> what is remembered per call
 */
final class ArgumentMemo<V> {

    /**
     * Calls remembered per method: 32,768 (each costs its argument values, their encodings and the key,
     * a few hundred bytes for small arguments, so some 10 MB per method when full).
     */
    static final int DEFAULT_CAPACITY = 32_768;

    /** Per class: {@link #VALUE}, {@link #NOT_A_VALUE}, or the fields of a record of values. */
    private static final ClassValue<Object> KINDS = new ClassValue<>() {
        @Override
        protected Object computeValue(Class<?> type) {
            return kind(type);
        }
    };

    private static final Object VALUE = new Object();
    private static final Object NOT_A_VALUE = new Object();

    private final ConcurrentHashMap<Object, V> calls = new ConcurrentHashMap<>();
    private final int capacity;

    /** @param capacity the most calls remembered; {@code 0} remembers none */
    ArgumentMemo(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative, not " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * What the call with {@code args} maps to: remembered, or made by {@code compute} (and remembered
     * when every argument is an immutable value). {@code compute} runs in the caller's thread and may
     * throw; nothing is remembered then.
     */
    V get(Object[] args, Function<Object[], V> compute) {
        Object lookup = lookupKey(args);
        if (lookup == null || capacity == 0) {
            return compute.apply(args);
        }
        V known = calls.get(lookup);
        if (known != null) {
            return known;
        }
        V made = compute.apply(args);
        if (calls.size() >= capacity) {
            calls.clear();
        }
        // the caller's array may be changed after the call: keep a copy
        calls.put(lookup instanceof Args a && a.values == args ? new Args(args.clone()) : lookup, made);
        return made;
    }

    /** How many calls are remembered now. */
    int size() {
        return calls.size();
    }

    /**
     * The map key of a call, or {@code null} when an argument is not an immutable value. Without
     * records it wraps {@code args} as they are; with records, their classes and field values are laid
     * out flat in its place (unambiguous: the arity is fixed per method, a value is never a class).
     */
    static @Nullable Object lookupKey(Object[] args) {
        boolean flat = true;
        for (Object arg : args) {
            if (arg == null) {
                continue;
            }
            Class<?> type = arg.getClass();
            if (type == String.class || type == Long.class || type == Integer.class) {
                continue;       // the commonest values, without the class-value lookup
            }
            Object kind = KINDS.get(type);
            if (kind == NOT_A_VALUE) {
                return null;
            }
            if (kind != VALUE) {
                flat = false;
            }
        }
        if (flat) {
            // one argument (the arity is fixed per method, so no other call's key can be a bare value): the value itself
            return args.length == 1 && args[0] != null ? args[0] : new Args(args);
        }
        java.util.ArrayList<Object> out = new java.util.ArrayList<>(args.length * 4);
        for (Object arg : args) {
            if (!flatten(arg, out, 0)) {
                return null;
            }
        }
        return new Args(out.toArray());
    }

    private static boolean flatten(@Nullable Object value, java.util.List<Object> out, int depth) {
        if (value == null) {
            out.add(null);
            return true;
        }
        Object kind = KINDS.get(value.getClass());
        if (kind == VALUE) {
            out.add(value);
            return true;
        }
        if (kind == NOT_A_VALUE || depth > 16) {
            return false;
        }
        out.add(value.getClass());
        for (Field field : (Field[]) kind) {
            Object component;
            try {
                component = field.get(value);
            } catch (IllegalAccessException e) {
                return false;
            }
            if (!flatten(component, out, depth + 1)) {
                return false;
            }
        }
        return true;
    }

    private static Object kind(Class<?> type) {
        if (KeyMemo.isValueType(type)) {
            return VALUE;
        }
        if (!type.isRecord()) {
            return NOT_A_VALUE;
        }
        RecordComponent[] components = type.getRecordComponents();
        Field[] fields = new Field[components.length];
        for (int i = 0; i < components.length; i++) {
            try {
                Field field = type.getDeclaredField(components[i].getName());
                field.setAccessible(true);
                fields[i] = field;
            } catch (NoSuchFieldException | RuntimeException e) {
                // a record in a module that does not open it to the starter: computed every time
                return NOT_A_VALUE;
            }
        }
        return fields;
    }

    /** A call's argument values (or their flat layout), compared element by element. */
    private static final class Args {
        final Object[] values;
        private final int hash;

        Args(Object[] values) {
            this.values = values;
            this.hash = Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Args other && hash == other.hash && Arrays.equals(values, other.values);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}

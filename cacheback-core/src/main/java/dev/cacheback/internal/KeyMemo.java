package dev.cacheback.internal;

import java.time.temporal.TemporalAccessor;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers argument → key results of one job name, so that the hit path does not encode and hash
 * the same arguments again. A lookup is one {@link ConcurrentHashMap#get} (no allocation); when the
 * memo holds {@code capacity} arguments it is emptied and refills with the arguments in use, which
 * keeps it bounded without per-entry bookkeeping. Only arguments whose equality can never change
 * are remembered (strings, boxed primitives, UUIDs, enums, java.time values); others are always
 * recomputed.
 */
public final class KeyMemo {

    private final ConcurrentHashMap<Object, String> keys = new ConcurrentHashMap<>();
    private final int capacity;

    /** @param capacity the most arguments remembered; {@code 0} remembers nothing */
    public KeyMemo(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative, not " + capacity);
        }
        this.capacity = capacity;
    }

    /** Whether {@code args} is of a type whose key may be remembered. */
    public static boolean memoizable(Object args) {
        return args instanceof String || args instanceof Number && isBoxed(args) || args instanceof Boolean
                || args instanceof Character || args instanceof UUID || args instanceof Enum<?>
                || args instanceof TemporalAccessor && args.getClass().getName().startsWith("java.time.");
    }

    private static boolean isBoxed(Object n) {
        Class<?> c = n.getClass();
        return c == Integer.class || c == Long.class || c == Short.class || c == Byte.class || c == Double.class
                || c == Float.class;
    }

    /** The remembered key of {@code args}, or {@code null}. */
    public String get(Object args) {
        return keys.get(args);
    }

    /** Remembers {@code key} for {@code args} (which must be {@link #memoizable}). */
    public void put(Object args, String key) {
        if (capacity == 0) {
            return;
        }
        if (keys.size() >= capacity) {
            keys.clear();
        }
        keys.put(args, key);
    }

    /** How many arguments are remembered now. */
    public int size() {
        return keys.size();
    }
}

package dev.cacheback.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Period;
import java.time.temporal.TemporalAccessor;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers argument → key results of one job name, so that the hit path does not encode and hash
 * the same arguments again. A lookup is one {@link ConcurrentHashMap#get} (no allocation); when the
 * memo holds {@code capacity} arguments it is emptied and refills with the arguments in use, which
 * keeps it bounded without per-entry bookkeeping. Only arguments of an {@linkplain #isValueType
 * immutable value type} are remembered; others are always recomputed.
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

    /** The value types named by class; their subclasses are not (a subclass may be mutable). */
    private static final Set<Class<?>> EXACT = Set.of(String.class, Boolean.class, Character.class, Byte.class,
            Short.class, Integer.class, Long.class, Float.class, Double.class, BigInteger.class, BigDecimal.class,
            UUID.class, Duration.class, Period.class);

    private static final ClassValue<Boolean> VALUE_TYPES = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return EXACT.contains(type) || Enum.class.isAssignableFrom(type)
                    || TemporalAccessor.class.isAssignableFrom(type) && type.getName().startsWith("java.time.");
        }
    };

    /**
     * Whether instances of {@code type} are immutable values: equal instances are equal forever and
     * encode to the same bytes, so that what was computed from one may be remembered for the other.
     * {@code String}, the boxed primitives, {@code BigInteger} and {@code BigDecimal} (these by exact
     * class: a subclass may be mutable), {@code UUID}, enums, and the value classes of {@code java.time}
     * ({@code Instant}, the local, offset and zoned dates and times, {@code Duration}, {@code Period},
     * {@code Year}, {@code YearMonth}, {@code MonthDay}, {@code ZoneOffset}, …). The one rule for
     * every memo of encoded arguments: core's key memo and the Spring starter's argument memo.
     */
    public static boolean isValueType(Class<?> type) {
        return type == String.class || type == Long.class || type == Integer.class || VALUE_TYPES.get(type);
    }

    /** Whether {@code args} is an instance of an {@linkplain #isValueType immutable value type}. */
    public static boolean memoizable(Object args) {
        return args != null && isValueType(args.getClass());
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

package dev.cacheback.internal;

import java.time.temporal.TemporalAccessor;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Remembers recent argument → key results so that the hit path does not encode and hash the same
 * arguments again: a direct-mapped table of 1,024 slots, lock-free, allocation-free on a hit, a
 * collision simply recomputes. Only arguments whose equality can never change are remembered
 * (strings, boxed primitives, UUIDs, enums, java.time values); others are always recomputed.
 */
public final class KeyMemo {

    private static final int SLOTS = 1024;

    private record Slot(Object args, String key) {
    }

    private final AtomicReferenceArray<Slot> slots = new AtomicReferenceArray<>(SLOTS);

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
        Slot slot = slots.get(index(args));
        return slot != null && slot.args.equals(args) ? slot.key : null;
    }

    /** Remembers {@code key} for {@code args} (which must be {@link #memoizable}). */
    public void put(Object args, String key) {
        slots.lazySet(index(args), new Slot(args, key));
    }

    private static int index(Object args) {
        int h = args.hashCode();
        return (h ^ (h >>> 16)) & (SLOTS - 1);
    }
}

package dev.cacheback.benchmarks;

import java.util.function.Function;

/**
 * A candidate per-job key memo, measured here before it is proposed: a direct-mapped table of
 * (argument, key) pairs for immutable argument types, so a hot argument's key costs one array read
 * and one {@code equals}. Racy by design: a pair is an immutable object published through a plain
 * array slot, so a reader sees a whole pair or an older one, never a torn one; a lost write costs a
 * recomputation. Bounded: {@code slots} pairs at most.
 */
final class KeyMemo {

    private record Pair(Object args, String key) {
    }

    private final Pair[] table;
    private final int mask;

    KeyMemo(int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, not " + slots);
        }
        this.table = new Pair[slots];
        this.mask = slots - 1;
    }

    String key(Object args, Function<Object, String> compute) {
        int h = args.hashCode();
        int slot = (h ^ (h >>> 16)) & mask;
        Pair p = table[slot];
        if (p != null && p.args.equals(args)) {
            return p.key;
        }
        String key = compute.apply(args);
        table[slot] = new Pair(args, key);
        return key;
    }
}

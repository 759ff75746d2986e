package dev.cacheback.benchmarks;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Each benchmark thread's walk over the (shuffled) keys: from its own position, one key after the
 * other, so that threads do not read the same key at the same moment. Every benchmark here uses it.
 */
@State(Scope.Thread)
public class Cursor {
    int next;

    @Setup
    public void start() {
        next = (int) (Thread.currentThread().getId() * 7919);
    }

    /** The next key's index among {@code mask + 1} keys (a power of two). */
    int index(int mask) {
        return next++ & mask;
    }
}

package dev.cacheback.spi;

import java.time.Clock;
import java.util.concurrent.Executor;

/** What a {@link CacheBackend} learns from the runtime that opens it. */
public interface BackendContext {

    /** The alias the backend is registered under, such as {@code "default"}. */
    String alias();

    /** The runtime's clock: the only source of time a backend may use. */
    Clock clock();

    /**
     * Where a backend runs its own housekeeping off the callers' threads (an in-process cache's
     * eviction and bookkeeping): the runtime's clock thread at its next tick while it ticks, else the
     * runtime's scheduler — both ended with the runtime, so a backend needs no pool of its own. Short
     * tasks only; a task submitted again before it ran may run once. The default runs them in the
     * calling thread.
     */
    default Executor executor() {
        return Runnable::run;
    }
}

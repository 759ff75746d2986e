package dev.cacheback.spi;

import dev.cacheback.CachebackListener;

import java.time.Clock;

/** What a {@link RefreshQueue} learns from the runtime that opens it. */
public interface QueueContext {

    /** Runs tasks: the worker side of the queue calls it once per task it consumes. */
    TaskHandler handler();

    /** The runtime's clock, for task ages and expirations. */
    Clock clock();

    /** Where the queue reports dropped tasks. */
    CachebackListener listener();
}

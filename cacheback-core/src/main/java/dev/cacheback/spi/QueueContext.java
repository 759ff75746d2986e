package dev.cacheback.spi;

import dev.cacheback.CachebackListener;

import java.time.Clock;

/** What a {@link RefreshQueue} learns from the runtime that opens it. */
public interface QueueContext {

    /**
     * Runs delivered tasks and decides whether each is acknowledged, retried after a backoff or
     * dead-lettered: the worker side of the queue calls {@link dev.cacheback.WorkerEngine#process}
     * once per delivery.
     */
    dev.cacheback.WorkerEngine worker();

    /**
     * The runtime's scheduler, for work a queue does later or periodically (a retry's delay, moving due
     * tasks, heartbeats). Owned by the runtime: a queue never shuts it down.
     */
    java.util.concurrent.ScheduledExecutorService scheduler();

    /** The runtime's clock, for task ages and expirations. */
    Clock clock();

    /** Where the queue reports dropped tasks. */
    CachebackListener listener();
}

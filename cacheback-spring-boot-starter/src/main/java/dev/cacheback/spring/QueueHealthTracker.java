package dev.cacheback.spring;

import dev.cacheback.CachebackListener;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Remembers whether the latest enqueue failed, and when, for the queue's health: a broker that
 * answers a ping but refuses tasks (a resource alarm, a full queue) is reported degraded while its
 * latest enqueue failed recently. Times come from the runtime's clock. Thread-safe.
 */
final class QueueHealthTracker implements CachebackListener {

    /** How long a failed enqueue keeps the queue degraded when no enqueue succeeded since: 1 minute. */
    static final Duration RECENT = Duration.ofMinutes(1);

    /** One failed enqueue. */
    record Failure(String job, Throwable error, Instant at) {
    }

    private final Supplier<Clock> clock;
    private volatile Failure lastFailure;
    private volatile boolean lastSucceeded = true;

    /** @param clock the runtime's clock, read when an enqueue fails */
    QueueHealthTracker(Supplier<Clock> clock) {
        this.clock = clock;
    }

    @Override
    public void onRefreshEnqueued(String job, String key) {
        if (!lastSucceeded) {
            lastSucceeded = true;
        }
    }

    @Override
    public void onRefreshFallback(String job, String key, Throwable enqueueFailure) {
        lastFailure = new Failure(job, enqueueFailure, clock.get().instant());
        lastSucceeded = false;
    }

    /**
     * The latest enqueue's failure when no enqueue succeeded since and it happened at most
     * {@link #RECENT} before {@code now}; otherwise {@code null} (after a broker came back, a node
     * with no stale read to enqueue is not left degraded).
     */
    Failure recentFailure(Instant now) {
        Failure f = lastFailure;
        if (lastSucceeded || f == null || f.at().plus(RECENT).isBefore(now)) {
            return null;
        }
        return f;
    }
}

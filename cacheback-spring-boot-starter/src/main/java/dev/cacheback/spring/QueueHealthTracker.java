package dev.cacheback.spring;

import dev.cacheback.CachebackListener;


/**
 * Remembers whether the latest enqueue failed, for the queue's health: a broker that answers a ping
 * but refuses tasks (a resource alarm, a full queue) is reported degraded until an enqueue succeeds.
 * Thread-safe.
 */
final class QueueHealthTracker implements CachebackListener {

    private record Failure(String job, Throwable error) {
    }

    private volatile Failure lastFailure;
    private volatile boolean lastSucceeded = true;

    @Override
    public void onRefreshEnqueued(String job, String key) {
        if (!lastSucceeded) {
            lastSucceeded = true;
        }
    }

    @Override
    public void onRefreshFallback(String job, String key, Throwable enqueueFailure) {
        lastFailure = new Failure(job, enqueueFailure);
        lastSucceeded = false;
    }

    /** Whether the latest enqueue failed. */
    boolean failing() {
        return !lastSucceeded;
    }

    /** The job whose enqueue failed last, or {@code null}. */
    String lastFailedJob() {
        Failure f = lastFailure;
        return f == null ? null : f.job();
    }

    /** The latest enqueue failure, or {@code null}. */
    Throwable lastError() {
        Failure f = lastFailure;
        return f == null ? null : f.error();
    }
}

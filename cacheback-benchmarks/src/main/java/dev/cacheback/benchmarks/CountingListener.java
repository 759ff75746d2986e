package dev.cacheback.benchmarks;

import dev.cacheback.CachebackListener;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the decisions the harness reports: tasks enqueued, deduplicated, dropped, fetches. */
final class CountingListener implements CachebackListener {

    final AtomicInteger enqueued = new AtomicInteger();
    final AtomicInteger deduplicated = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger fallbacks = new AtomicInteger();
    final AtomicInteger fetched = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger backendErrors = new AtomicInteger();

    @Override
    public void onRefreshEnqueued(String job, String key) {
        enqueued.incrementAndGet();
    }

    @Override
    public void onRefreshDeduplicated(String job, String key) {
        deduplicated.incrementAndGet();
    }

    @Override
    public void onTaskDropped(String job, String key, String reason) {
        dropped.incrementAndGet();
    }

    @Override
    public void onRefreshFallback(String job, String key, Throwable enqueueFailure) {
        fallbacks.incrementAndGet();
    }

    @Override
    public void onFetch(String job, String key, Duration took, Throwable failure) {
        fetched.incrementAndGet();
    }

    @Override
    public void onRefreshFailed(String job, String key, Throwable failure) {
        failed.incrementAndGet();
    }

    @Override
    public void onBackendError(String alias, String operation, Throwable failure) {
        backendErrors.incrementAndGet();
    }
}

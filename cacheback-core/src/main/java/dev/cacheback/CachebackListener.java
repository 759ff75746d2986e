package dev.cacheback;

import java.time.Duration;

/**
 * Hears every decision the engine makes: the hook for metrics ({@code cacheback-micrometer}'s
 * {@code CachebackMetrics}) and for tests that count what happened. Timings and traces of whole units
 * of work (a get, a fetch, an enqueue, a worker's refresh) go through an {@link Instrumentation}.
 *
 * <p>Methods are called synchronously in the thread that made the decision, often a user's request
 * thread on the hit path: implementations must be fast, thread-safe and must not throw (an exception
 * is logged and ignored). Every method does nothing by default.
 */
public interface CachebackListener {

    /** A listener that hears nothing. */
    CachebackListener NONE = new CachebackListener() {
    };

    /** {@code get} found fresh data. */
    default void onHit(String job, String key) {
    }

    /** {@code get} found no entry; {@code syncFetch} says whether it fetched in the caller's thread. */
    default void onMiss(String job, String key, boolean syncFetch) {
    }

    /** {@code get} found stale data; {@code syncFetch} says whether it refreshed in the caller's thread. */
    default void onStale(String job, String key, boolean syncFetch) {
    }

    /** A fetch finished, successfully when {@code failure} is {@code null}. */
    default void onFetch(String job, String key, Duration took, Throwable failure) {
    }

    /** A refresh task was handed to the queue. */
    default void onRefreshEnqueued(String job, String key) {
    }

    /** A refresh was not enqueued because another caller (in any process) holds the key's lease. */
    default void onRefreshDeduplicated(String job, String key) {
    }

    /** The queue could not take a task, so the refresh ran synchronously instead (DESIGN.md S11). */
    default void onRefreshFallback(String job, String key, Throwable enqueueFailure) {
    }

    /** A refresh (from a worker or a fallback) failed; the entry was left as it was. */
    /**
     * A refresh fetched but did not store, because the entry it started from was replaced meanwhile by
     * a {@code set}, a {@code delete} or another refresh (DESIGN.md F2): the newer entry stands.
     */
    default void onRefreshSuperseded(String job, String key) {
    }

    default void onRefreshFailed(String job, String key, Throwable failure) {
    }

    /** A queue dropped a task: a duplicate, a full queue, an unknown job, an expired task. */
    default void onTaskDropped(String job, String key, String reason) {
    }

    /** A backend operation failed; the engine degraded instead of failing the caller. */
    default void onBackendError(String alias, String operation, Throwable failure) {
    }

    /**
     * Stale-if-error: a read's synchronous refresh failed with {@code failure}, and the read answered
     * the stale data instead ({@code STALE}), which went stale {@code staleness} ago
     * ({@link JobSettings.Builder#failSafeMaxStaleness}).
     */
    default void onFailSafe(String job, String key, Duration staleness, Throwable failure) {
    }

    /**
     * A read stopped waiting for its synchronous fetch after {@code timeout}: the soft fetch timeout
     * ({@code answeredStale}, the read answered stale data) or the hard one (the read threw
     * {@link FetchTimeoutException}). The fetch goes on in the background.
     */
    default void onFetchTimeout(String job, String key, Duration timeout, boolean answeredStale) {
    }

    /**
     * A job's source breaker ({@link JobSettings.Builder#sourceBreaker}) changed state: {@code OPEN}
     * (with the failure that opened it), {@code HALF_OPEN} (a probe goes through), {@code CLOSED}.
     */
    default void onSourceState(String job, SourceState state, Throwable failure) {
    }

    /**
     * A hit found fresh data due for an early refresh ({@link JobSettings.Builder#earlyRefreshBeta},
     * {@link JobSettings.Builder#refreshAhead}) and tries to enqueue one (then
     * {@link #onRefreshEnqueued} or {@link #onRefreshDeduplicated}).
     */
    default void onEarlyRefresh(String job, String key) {
    }

    /** Bytes at a key could not be read as the job's entry: treated as a miss and overwritten. */
    default void onCorruptEntry(String job, String key, Throwable failure) {
    }
}

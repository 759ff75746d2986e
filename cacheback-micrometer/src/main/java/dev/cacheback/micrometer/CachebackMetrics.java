package dev.cacheback.micrometer;

import dev.cacheback.CachebackListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts every Cacheback decision in a Micrometer {@link MeterRegistry}: add it to a runtime with
 * {@code Cacheback.builder().listener(new CachebackMetrics(registry))}; the Spring starter adds it when
 * a {@link MeterRegistry} bean exists. (It was {@code dev.cacheback.spring.CachebackMetrics} in the
 * starter; the meters kept their names.) Needs {@code io.micrometer:micrometer-core}. For timings and
 * traces of each get, fetch, enqueue and worker refresh, see {@link CachebackObservations}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><td>{@code cacheback.gets}</td><td>counter; tags {@code job}, {@code status} = hit | miss | stale</td></tr>
 *   <tr><td>{@code cacheback.fetch}</td><td>timer of fetches; tags {@code job}, {@code outcome} = success | failure</td></tr>
 *   <tr><td>{@code cacheback.refreshes}</td><td>counter; tags {@code job}, {@code outcome} = enqueued | deduplicated | failed | fallback</td></tr>
 *   <tr><td>{@code cacheback.tasks.dropped}</td><td>counter of tasks a queue dropped; tag {@code job}</td></tr>
 *   <tr><td>{@code cacheback.corrupt.entries}</td><td>counter of unreadable entries; tag {@code job}</td></tr>
 *   <tr><td>{@code cacheback.backend.errors}</td><td>counter of cache failures the engine degraded around; tags {@code cache}, {@code operation}</td></tr>
 * </table>
 *
 * <p>Meters are created once per job (and per cache and operation) and kept in a map, so a hit costs
 * one map lookup and one increment. Thread-safe.
 */
public final class CachebackMetrics implements CachebackListener {

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, JobMeters> jobs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> backendErrors = new ConcurrentHashMap<>();

    /**
     * Meters in {@code registry}.
     *
     * @throws NullPointerException when {@code registry} is null
     */
    public CachebackMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    private final class JobMeters {
        final Counter hit;
        final Counter miss;
        final Counter stale;
        final Timer fetchSuccess;
        final Timer fetchFailure;
        final Counter enqueued;
        final Counter deduplicated;
        final Counter failed;
        final Counter fallback;
        final Counter dropped;
        final Counter corrupt;
        final Counter failSafe;
        final Counter softTimeouts;
        final Counter hardTimeouts;
        final java.util.concurrent.atomic.AtomicInteger sourceState = new java.util.concurrent.atomic.AtomicInteger();

        JobMeters(String job) {
            hit = gets(job, "hit");
            miss = gets(job, "miss");
            stale = gets(job, "stale");
            fetchSuccess = fetch(job, "success");
            fetchFailure = fetch(job, "failure");
            enqueued = refreshes(job, "enqueued");
            deduplicated = refreshes(job, "deduplicated");
            failed = refreshes(job, "failed");
            fallback = refreshes(job, "fallback");
            dropped = Counter.builder("cacheback.tasks.dropped").description("Refresh tasks a queue dropped")
                    .tag("job", job).register(registry);
            corrupt = Counter.builder("cacheback.corrupt.entries").description("Cache entries that could not be read")
                    .tag("job", job).register(registry);
            failSafe = Counter.builder("cacheback.failsafe").description("Reads answered with stale data after a failed refresh")
                    .tag("job", job).register(registry);
            softTimeouts = timeouts(job, "soft");
            hardTimeouts = timeouts(job, "hard");
            io.micrometer.core.instrument.Gauge.builder("cacheback.source.state", sourceState, java.util.concurrent.atomic.AtomicInteger::get)
                    .description("The job's source breaker: 0 closed, 1 half-open, 2 open").tag("job", job).register(registry);
        }

        private Counter timeouts(String job, String kind) {
            return Counter.builder("cacheback.fetch.timeouts").description("Reads that stopped waiting for their fetch")
                    .tag("job", job).tag("timeout", kind).register(registry);
        }

        private Counter gets(String job, String status) {
            return Counter.builder("cacheback.gets").description("Job reads by cache status")
                    .tag("job", job).tag("status", status).register(registry);
        }

        private Timer fetch(String job, String outcome) {
            return Timer.builder("cacheback.fetch").description("Time spent in job fetches")
                    .tag("job", job).tag("outcome", outcome).register(registry);
        }

        private Counter refreshes(String job, String outcome) {
            return Counter.builder("cacheback.refreshes").description("Background refreshes by outcome")
                    .tag("job", job).tag("outcome", outcome).register(registry);
        }
    }

    private JobMeters meters(String job) {
        JobMeters meters = jobs.get(job);
        return meters != null ? meters : jobs.computeIfAbsent(job, JobMeters::new);
    }

    @Override
    public void onHit(String job, String key) {
        meters(job).hit.increment();
    }

    @Override
    public void onMiss(String job, String key, boolean syncFetch) {
        meters(job).miss.increment();
    }

    @Override
    public void onStale(String job, String key, boolean syncFetch) {
        meters(job).stale.increment();
    }

    @Override
    public void onFetch(String job, String key, Duration took, Throwable failure) {
        JobMeters meters = meters(job);
        (failure == null ? meters.fetchSuccess : meters.fetchFailure).record(took);
    }

    @Override
    public void onRefreshEnqueued(String job, String key) {
        meters(job).enqueued.increment();
    }

    @Override
    public void onRefreshDeduplicated(String job, String key) {
        meters(job).deduplicated.increment();
    }

    @Override
    public void onRefreshFallback(String job, String key, Throwable enqueueFailure) {
        meters(job).fallback.increment();
    }

    @Override
    public void onRefreshFailed(String job, String key, Throwable failure) {
        meters(job).failed.increment();
    }

    @Override
    public void onTaskDropped(String job, String key, String reason) {
        meters(job).dropped.increment();
    }

    @Override
    public void onFailSafe(String job, String key, Duration staleness, Throwable failure) {
        meters(job).failSafe.increment();
    }

    @Override
    public void onFetchTimeout(String job, String key, Duration timeout, boolean answeredStale) {
        JobMeters meters = meters(job);
        (answeredStale ? meters.softTimeouts : meters.hardTimeouts).increment();
    }

    @Override
    public void onSourceState(String job, dev.cacheback.SourceState state, Throwable failure) {
        meters(job).sourceState.set(switch (state) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        });
    }

    @Override
    public void onCorruptEntry(String job, String key, Throwable failure) {
        meters(job).corrupt.increment();
    }

    @Override
    public void onBackendError(String alias, String operation, Throwable failure) {
        String id = alias + '\u0000' + operation;
        Counter counter = backendErrors.get(id);
        if (counter == null) {
            counter = backendErrors.computeIfAbsent(id, k -> Counter.builder("cacheback.backend.errors")
                    .description("Cache failures the engine answered around").tag("cache", alias).tag("operation", operation)
                    .register(registry));
        }
        counter.increment();
    }
}

package dev.cacheback.spring;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Health of each cache and of the refresh queue, from a real round trip ({@link CacheBackend#ping()},
 * {@link RefreshQueue#ping()}) made at each health request.
 *
 * <p>A cache or queue that does not answer is {@link #DEGRADED}, never {@code DOWN}: reads keep
 * working without it (a cache that is down makes every read fetch; a queue that is down makes stale
 * reads refresh synchronously), so the application must not be restarted or taken out of service
 * for it. Spring Boot's default HTTP mapping answers 200 for this status; its place in the
 * aggregation order is set by {@code management.endpoint.health.status.order} (see the README).
 */
final class CachebackHealth {

    /** The status of a cache or queue that does not answer while reads keep working: HTTP 200 by default. */
    static final Status DEGRADED = new Status("DEGRADED",
            "A Cacheback cache or refresh queue does not answer; reads keep working without it");

    private CachebackHealth() {
    }

    static CompositeHealthContributor contributor(dev.cacheback.Cacheback cacheback, QueueHealthTracker tracker) {
        Map<String, HealthContributor> caches = new LinkedHashMap<>();
        cacheback.caches().forEach((alias, backend) -> caches.put(alias, cache(backend)));
        Map<String, HealthContributor> all = new LinkedHashMap<>();
        all.put("caches", CompositeHealthContributor.fromMap(caches));
        all.put("queue", queue(cacheback.queue(), tracker, cacheback.clock()));
        return CompositeHealthContributor.fromMap(all);
    }

    static HealthIndicator cache(CacheBackend backend) {
        return () -> {
            try {
                backend.ping();
                return Health.up().withDetail("backend", backend.describe()).build();
            } catch (RuntimeException e) {
                return Health.status(DEGRADED).withDetail("backend", backend.describe())
                        .withDetail("error", String.valueOf(e.getMessage()))
                        .withDetail("impact", "reads fetch in the caller's thread, without caching, until it answers")
                        .build();
            }
        };
    }

    /**
     * The queue's health: {@link #DEGRADED} when its ping fails, or when its latest enqueue failed in
     * the last minute ({@link QueueHealthTracker#RECENT}) and none succeeded since; else UP.
     */
    static HealthIndicator queue(RefreshQueue queue, QueueHealthTracker tracker, java.time.Clock clock) {
        return () -> {
            try {
                queue.ping();
            } catch (RuntimeException e) {
                return Health.status(DEGRADED).withDetail("queue", queue.describe())
                        .withDetail("error", String.valueOf(e.getMessage()))
                        .withDetail("impact", "stale reads refresh synchronously in the reader's thread until it answers")
                        .build();
            }
            QueueHealthTracker.Failure failure = tracker == null ? null : tracker.recentFailure(clock.instant());
            if (failure != null) {
                return Health.status(DEGRADED).withDetail("queue", queue.describe())
                        .withDetail("error", "the broker answers, but the latest enqueue (job " + failure.job()
                                + ", at " + failure.at() + ") failed: " + failure.error().getMessage())
                        .withDetail("impact", "stale reads refresh synchronously in the reader's thread until an enqueue succeeds")
                        .build();
            }
            return Health.up().withDetail("queue", queue.describe()).build();
        };
    }
}

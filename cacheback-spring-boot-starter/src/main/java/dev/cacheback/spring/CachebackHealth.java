package dev.cacheback.spring;

import dev.cacheback.CacheEntry;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.CorruptEntryException;
import dev.cacheback.spi.EntryCodec;
import dev.cacheback.spi.RefreshQueue;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;

/** Health of each cache (a read of a probe key) and of the refresh queue (whether its latest enqueue failed). */
final class CachebackHealth {

    /** The key every cache's health check reads; nothing is ever stored there. */
    static final String PROBE_KEY = "cacheback:health-probe";

    private static final EntryCodec<String> PROBE_CODEC = new EntryCodec<>() {
        @Override
        public Type valueType() {
            return String.class;
        }

        @Override
        public byte[] encode(CacheEntry<String> entry) {
            throw new UnsupportedOperationException("the health probe never stores");
        }

        @Override
        public CacheEntry<String> decode(byte[] bytes) {
            return null;
        }
    };

    private CachebackHealth() {
    }

    static CompositeHealthContributor contributor(dev.cacheback.Cacheback cacheback, QueueHealthTracker tracker) {
        Map<String, HealthContributor> caches = new LinkedHashMap<>();
        cacheback.caches().forEach((alias, backend) -> caches.put(alias, cache(backend)));
        Map<String, HealthContributor> all = new LinkedHashMap<>();
        all.put("caches", CompositeHealthContributor.fromMap(caches));
        all.put("queue", queue(cacheback.queue(), tracker));
        return CompositeHealthContributor.fromMap(all);
    }

    static HealthIndicator cache(CacheBackend backend) {
        return () -> {
            try {
                backend.get(PROBE_KEY, PROBE_CODEC);
                return Health.up().withDetail("backend", backend.describe()).build();
            } catch (CorruptEntryException e) {
                return Health.up().withDetail("backend", backend.describe()).build();
            } catch (RuntimeException e) {
                return Health.down(e).withDetail("backend", backend.describe()).build();
            }
        };
    }

    static HealthIndicator queue(RefreshQueue queue, QueueHealthTracker tracker) {
        return () -> {
            if (tracker != null && tracker.failing()) {
                Throwable error = tracker.lastError();
                return Health.down().withDetail("queue", queue.describe())
                        .withDetail("error", "the latest enqueue (job " + tracker.lastFailedJob() + ") failed: " + error)
                        .build();
            }
            return Health.up().withDetail("queue", queue.describe()).build();
        };
    }
}

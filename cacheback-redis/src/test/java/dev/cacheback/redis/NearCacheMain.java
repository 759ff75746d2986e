package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.NearCache;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.spi.CacheBackend;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One process of {@link NearCacheProcessTest}: a runtime whose cache is a near level over the shared
 * Redis with a {@link RedisBackplane}; prints {@code READY} once its backplane is proved, then reads one
 * key every 10 ms and prints {@code SEEN <value>} each time the answer changes and {@code FETCH <n>} for
 * each fetch it makes. Runs until killed.
 *
 * <p>Args: redisUri keyPrefix channel jobName name
 */
public final class NearCacheMain {

    private NearCacheMain() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String keyPrefix = args[1];
        String channel = args[2];
        String jobName = args[3];
        String name = args[4];
        TieredBackend tiered = (TieredBackend) CacheBackend.tiered(
                RedisCacheBackend.builder(uri).keyPrefix(keyPrefix).build(),
                NearCache.builder().maxDisconnectedStaleness(Duration.ofSeconds(1))
                        .backplane(RedisBackplane.builder(uri).channel(channel).heartbeatInterval(Duration.ofMillis(200)).build())
                        .build());
        AtomicInteger fetches = new AtomicInteger();
        try (Cacheback cacheback = Cacheback.builder().cache("default", tiered).build()) {
            Job<String, String> job = new Job<>(cacheback, JobSettings.builder().name(jobName).build()) {
                @Override
                protected String fetch(String key) {
                    int n = fetches.incrementAndGet();
                    System.out.println("FETCH " + n);
                    return "fetched-by-" + name + "-" + n;
                }
            };
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!tiered.nearServing() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            System.out.println("READY");
            String last = null;
            while (true) {
                String now = job.get("k");
                if (!Objects.equals(now, last)) {
                    System.out.println("SEEN " + now);
                    last = now;
                }
                Thread.sleep(10);
            }
        }
    }
}

package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.NearCache;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.Stampede;
import io.lettuce.core.KeyValue;

import java.time.Duration;
import java.util.List;

/**
 * One process of {@link CrossProcessRefreshTest}: builds a runtime on the shared Redis (producer-only
 * queue), prints {@code READY}, waits for the test to open the gate (a Redis list), releases 16
 * threads together at one key, prints what they got and the events it heard, and exits.
 *
 * <p>Args: redisUri keyPrefix streamPrefix queue jobName counterKey gateKey key fetchOnMiss [nearChannel]; with
 * a near channel the cache is a near level over Redis ({@link RedisBackplane} on that channel), subscribed and
 * filled with the key's entry (by a {@code rawGet}, which decides nothing) before {@code READY}.
 */
public final class StampedeMain {

    private StampedeMain() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args[0];
        String keyPrefix = args[1];
        String streamPrefix = args[2];
        String queue = args[3];
        String jobName = args[4];
        String counterKey = args[5];
        String gateKey = args[6];
        String key = args[7];
        boolean fetchOnMiss = Boolean.parseBoolean(args[8]);
        String nearChannel = args.length > 9 ? args[9] : null;
        RecordingListener events = new RecordingListener();
        CacheBackend cache = RedisCacheBackend.builder(uri).keyPrefix(keyPrefix).build();
        if (nearChannel != null) {
            cache = CacheBackend.tiered(cache, NearCache.builder()
                    .backplane(RedisBackplane.builder(uri).channel(nearChannel).build()).build());
        }
        try (RedisTestSupport redis = RedisTestSupport.on(uri);
             Cacheback cacheback = Cacheback.builder().listener(events)
                     .cache("default", cache)
                     .queue(RedisRefreshQueue.builder(uri).streamPrefix(streamPrefix).defaultQueue(queue).build())
                     .build()) {
            RedisCountingJob job = new RedisCountingJob(cacheback, JobSettings.builder().name(jobName)
                    .fetchOnMiss(fetchOnMiss).build(), redis.redis(), counterKey);
            job.key(key);
            if (cache instanceof TieredBackend tiered) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!tiered.nearServing() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                job.rawGet(key); // fills the near level, if there is an entry
                System.out.println("NEAR " + tiered.nearSize());
            }
            System.out.println("READY");
            redis.timeout(Duration.ofSeconds(70));
            KeyValue<String, String> gate = redis.redis().blpop(60, gateKey);
            if (gate == null) {
                System.out.println("GATE NEVER OPENED");
                System.exit(3);
            }
            List<String> seen = Stampede.run(16, () -> job.get(key));
            System.out.println("RESULTS " + String.join(",", seen.stream().map(String::valueOf).toList()));
            System.out.println("EVENTS enqueued=" + events.count("enqueued") + " deduplicated=" + events.count("deduplicated") + " hit=" + events.count("hit")
                    + " fallback=" + events.count("fallback") + " fetch=" + events.count("fetch")
                    + " backend.error=" + events.count("backend.error"));
        }
        System.exit(0);
    }
}

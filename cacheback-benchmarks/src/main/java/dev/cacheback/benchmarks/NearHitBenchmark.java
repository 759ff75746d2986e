package dev.cacheback.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.NearCache;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.redis.RedisBackplane;
import dev.cacheback.redis.RedisCacheBackend;
import dev.cacheback.spi.Backplane;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.LocalBackplane;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Issue 14 item 5 (near half): a near-cache hit ({@code job.get(k)} on {@code CacheBackend.tiered}) against
 * raw Caffeine {@code getIfPresent} on the same keys and against a hit on the remote cache alone
 * ({@code job.get(k)} on the remote backend without a near level). {@code remote}: {@code redis} (the
 * shared Redis, with a {@link RedisBackplane}) or {@code in-memory} (an in-memory backend storing copies,
 * with the test kit's {@link LocalBackplane}: what the smoke run uses).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NearHitBenchmark {

    static final int KEY_COUNT = 1_024;
    private static final int MASK = KEY_COUNT - 1;

    @Param({"in-memory"})
    public String remote;

    private Cacheback nearRuntime;
    private Cacheback remoteRuntime;
    private BenchJob nearJob;
    private BenchJob remoteJob;
    private Cache<String, Object> caffeine;
    private String[] keys;

    @Setup
    public void setUp() throws InterruptedException {
        keys = Values.keys(KEY_COUNT);
        String run = "bench.near-" + UUID.randomUUID().toString().substring(0, 8);
        boolean redis = remote.equals("redis");
        Backplane backplane = redis ? RedisBackplane.builder(Servers.redisUri()).channel(run + ":near").build()
                : new LocalBackplane().join();
        TieredBackend tiered = (TieredBackend) CacheBackend.tiered(remoteBackend(redis),
                NearCache.builder().backplane(backplane).maximumSize(4L * KEY_COUNT).build());
        nearRuntime = Cacheback.builder().cache("default", tiered).build();
        remoteRuntime = Cacheback.builder().cache("default", remoteBackend(redis)).build();
        JobSettings settings = JobSettings.builder().lifetime(Duration.ofHours(1)).cacheTtl(Duration.ofHours(1)).build();
        nearJob = new BenchJob(nearRuntime, settings.withName(run + ".near"), 0);
        remoteJob = new BenchJob(remoteRuntime, settings.withName(run + ".remote"), 0);
        caffeine = Caffeine.newBuilder().maximumSize(4L * KEY_COUNT).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!tiered.nearServing() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        for (String k : keys) {
            String v = Values.valueFor(k);
            nearJob.set(k, v);
            remoteJob.set(k, v);
            caffeine.put(k, v);
        }
        for (String k : keys) {
            if (nearJob.get(k) == null || remoteJob.get(k) == null) {
                throw new IllegalStateException("set-up failed: key " + k + " is not a hit");
            }
        }
        if (tiered.nearSize() < KEY_COUNT) {
            throw new IllegalStateException("set-up failed: the near level holds " + tiered.nearSize() + " of " + KEY_COUNT
                    + " keys (is the backplane subscribed?)");
        }
        if (nearJob.fetches() + remoteJob.fetches() != 0) {
            throw new IllegalStateException("set-up failed: a get fetched");
        }
    }

    private static CacheBackend remoteBackend(boolean redis) {
        return redis ? RedisCacheBackend.builder(Servers.redisUri()).build() : CacheBackend.inMemory(4L * KEY_COUNT, true);
    }

    @TearDown
    public void tearDown() {
        int fetches = nearJob.fetches() + remoteJob.fetches();
        for (String k : keys) {
            nearJob.delete(k);
            remoteJob.delete(k);
        }
        nearRuntime.close();
        remoteRuntime.close();
        if (fetches != 0) {
            throw new IllegalStateException("a measured get was not a hit: " + fetches + " fetches");
        }
    }

    /** The baseline: raw Caffeine on the same keys. */
    @Benchmark
    public Object caffeineGetIfPresent(Cursor c) {
        return caffeine.getIfPresent(keys[c.index(MASK)]);
    }

    /** What a user calls, with a near level in front of the remote cache. */
    @Benchmark
    public Object nearGet(Cursor c) {
        return nearJob.get(keys[c.index(MASK)]);
    }

    /** What a user calls on the remote cache alone. */
    @Benchmark
    public Object remoteGet(Cursor c) {
        return remoteJob.get(keys[c.index(MASK)]);
    }
}

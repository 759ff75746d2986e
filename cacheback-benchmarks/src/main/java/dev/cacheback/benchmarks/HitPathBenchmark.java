package dev.cacheback.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.cacheback.CacheEntry;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.EntryCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Issue item 1: the in-memory hit path. {@code job.get(k)} on the in-memory backend against raw
 * Caffeine {@code getIfPresent} on the same 16,384 keys, every call a hit; then the parts of
 * {@code job.get} on their own (key computation, backend read, one read of the runtime's clock), so
 * the report can say where the time and the bytes go.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HitPathBenchmark {

    private static final int MASK = Values.KEY_COUNT - 1;
    /** The hot subset: 512 keys, the shape of a skewed (real) workload. */
    static final int HOT_KEYS = 512;
    /** The measured job's name: its keys are this, ':' and 32 hex digits. */
    static final String JOB_NAME = "bench.hit";

    private Cacheback cacheback;
    private BenchJob job;
    private Clock clock;
    private CacheBackend backend;
    private Cache<String, Object> caffeine;
    private String[] keys;
    private String[] hashedKeys;
    private final EntryCodec<String> unusedCodec = new UnusedCodec();

    @Setup
    public void setUp() {
        keys = Values.keys(Values.KEY_COUNT);
        backend = CacheBackend.inMemory(4L * Values.KEY_COUNT, false);
        cacheback = Cacheback.builder().cache("default", backend).build();
        JobSettings settings = JobSettings.builder().lifetime(Duration.ofDays(1)).build();
        job = new BenchJob(cacheback, settings.withName(JOB_NAME), 0);
        clock = cacheback.clock();
        caffeine = Caffeine.newBuilder().maximumSize(4L * Values.KEY_COUNT).build();
        hashedKeys = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            String k = keys[i];
            String v = Values.valueFor(k);
            job.set(k, v);
            caffeine.put(k, v);
            hashedKeys[i] = job.key(k);
        }
        for (String k : keys) {
            if (job.get(k) == null) {
                throw new IllegalStateException("set-up failed: not every key is a hit");
            }
        }
        if (fetches() != 0) {
            throw new IllegalStateException("set-up failed: a get fetched");
        }
    }

    @TearDown
    public void tearDown() {
        if (fetches() != 0) {
            throw new IllegalStateException("a measured get was not a hit: " + fetches() + " fetches");
        }
        cacheback.close();
    }

    private int fetches() {
        return job.fetches();
    }

    /** The baseline: raw Caffeine on the same keys. */
    @Benchmark
    public Object caffeineGetIfPresent(Cursor c) {
        return caffeine.getIfPresent(keys[c.index(MASK)]);
    }

    /** What a user calls: key computation, backend read, freshness check, listener, processResult. */
    @Benchmark
    public Object cachebackGet(Cursor c) {
        return job.get(keys[c.index(MASK)]);
    }

    /** Part of {@code cachebackGet}: {@code job.key(k)} alone (core's key memo; on a miss Jackson encode + SHA-256 + hex). */
    @Benchmark
    public Object partKey(Cursor c) {
        return job.key(keys[c.index(MASK)]);
    }

    /** Part of {@code cachebackGet}: the in-memory backend's read by a precomputed key. */
    @Benchmark
    public Object partBackendGet(Cursor c) {
        return backend.get(hashedKeys[c.index(MASK)], unusedCodec);
    }

    /** Part of {@code cachebackGet}, which does it once per hit: one {@code millis()} of the runtime's clock. */
    @Benchmark
    public long partClockMillis() {
        return clock.millis();
    }

    /** Hot keys: the baseline. */
    @Benchmark
    public Object hotCaffeineGetIfPresent(Cursor c) {
        return caffeine.getIfPresent(keys[c.index(HOT_KEYS - 1)]);
    }

    /** Hot keys: what a user calls. */
    @Benchmark
    public Object hotCachebackGet(Cursor c) {
        return job.get(keys[c.index(HOT_KEYS - 1)]);
    }

    /** The in-memory backend (sharing references) never calls its codec. */
    private static final class UnusedCodec implements EntryCodec<String> {
        @Override
        public Type valueType() {
            return String.class;
        }

        @Override
        public byte[] encode(CacheEntry<String> entry) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CacheEntry<String> decode(byte[] bytes) {
            throw new UnsupportedOperationException();
        }
    }
}

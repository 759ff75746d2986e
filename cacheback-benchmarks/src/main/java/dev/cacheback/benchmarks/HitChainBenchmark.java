package dev.cacheback.benchmarks;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.cacheback.CacheEntry;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where an in-memory {@code job.get} hit's time goes, measured as a ladder: each step does what the
 * one before did and one thing more, on the same keys and the same cache as {@link PeersBenchmark}'s
 * {@code cachebackGet} (bounded to four times the keys), so that the difference between two steps is
 * that thing's cost at this working-set size.
 *
 * <ol>
 *   <li>{@code refreshGet}: the peer, Caffeine {@code refreshAfterWrite} {@code get} (its own fork).</li>
 *   <li>{@code memo}: {@code job.key(k)}, the key memo's lookup.</li>
 *   <li>{@code store}: and the in-memory backend's read of that key (its Caffeine lookup and holder),
 *       at a fixed time: no clock read.</li>
 *   <li>{@code entry}: and the entry's expiry and data, as the freshness check reads them.</li>
 *   <li>{@code get}: {@code job.get(k)}, the whole hit (clock copy, freshness, hit counter).</li>
 * </ol>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HitChainBenchmark {

    /** The steps, in order. */
    static final List<String> METHODS = List.of("refreshGet", "memo", "store", "entry", "get");

    @Param({"512", "16384"})
    public int keys;

    private String[] args;
    private int mask;
    private long now;
    private LoadingCache<String, Object> refresh;
    private CacheBackend backend;
    private Cacheback cacheback;
    private BenchJob job;

    @Setup
    public void setUp(BenchmarkParams params) {
        String label = params.getBenchmark();
        boolean peer = label.endsWith(".refreshGet");
        args = Values.keys(keys);
        mask = keys - 1;
        long max = PeersBenchmark.maximumSize(keys, "quarter");
        if (peer) {
            refresh = Caffeine.newBuilder().maximumSize(max).refreshAfterWrite(Duration.ofDays(1)).build(Values::valueFor);
        } else {
            backend = CacheBackend.inMemory(max, false);
            cacheback = Cacheback.builder().cache("default", backend).build();
            job = new BenchJob(cacheback, JobSettings.builder().name("peers.get").lifetime(Duration.ofDays(1)).build(), 0);
        }
        for (int round = 0; round < 2; round++) {
            for (String k : args) {
                Object v = peer ? refresh.get(k) : job.get(k);
                if (v == null) {
                    throw new IllegalStateException("set-up failed: null for " + k);
                }
            }
        }
        now = System.currentTimeMillis();
        if (!peer && job.fetches() != keys) {
            throw new IllegalStateException("set-up failed: " + job.fetches() + " fetches for " + keys + " keys");
        }
    }

    @TearDown
    public void tearDown() {
        if (cacheback != null) {
            int fetches = job.fetches();
            cacheback.close();
            if (fetches != keys) {
                throw new IllegalStateException("a measured call was not a hit: " + (fetches - keys) + " fetches");
            }
        }
    }

    @Benchmark
    public Object refreshGet(Cursor c) {
        return refresh.get(args[c.index(mask)]);
    }

    @Benchmark
    public Object memo(Cursor c) {
        return job.key(args[c.index(mask)]);
    }

    @Benchmark
    public Object store(Cursor c) {
        return backend.get(job.key(args[c.index(mask)]), null, now);
    }

    @Benchmark
    public Object entry(Cursor c) {
        CacheEntry<Object> entry = backend.get(job.key(args[c.index(mask)]), null, now);
        return entry.expiry().toEpochMilli() > now ? entry.data() : null;
    }

    @Benchmark
    public Object get(Cursor c) {
        return job.get(args[c.index(mask)]);
    }
}

package dev.cacheback.benchmarks;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.memcached.MemcachedCacheBackend;
import dev.cacheback.redis.RedisCacheBackend;
import dev.cacheback.spi.CacheBackend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Issue 14 item 5: a {@code getMany} of 100 keys against 100 {@code get}s of the same keys, all hits,
 * on each cache. One lookup ({@code MGET}, one multi-get per memcached server) against 100 round trips.
 */
final class ManySection {

    /** Keys per call. */
    static final int KEYS = 100;

    /** One cache to measure on. */
    record Store(String label, Supplier<CacheBackend> backend, boolean remote) {
    }

    private ManySection() {
    }

    static List<Store> stores(boolean redis, boolean memcached, boolean remote, Report report) {
        List<Store> stores = new ArrayList<>();
        stores.add(new Store("in-memory", CacheBackend::inMemory, false));
        if (redis) {
            stores.add(new Store("Redis", () -> RedisCacheBackend.builder(Servers.redisUri())
                    .keyPrefix("bench-many-" + UUID.randomUUID().toString().substring(0, 8) + ":").build(), true));
        } else if (remote) {
            report.gap("getMany on Redis: the server was not reachable at " + Servers.redisUri() + ".");
        }
        if (memcached) {
            stores.add(new Store("memcached", () -> MemcachedCacheBackend.builder(Servers.memcachedAddress()).build(), true));
        } else if (remote) {
            report.gap("getMany on memcached: the server was not reachable at " + Servers.memcachedAddress() + ".");
        }
        return stores;
    }

    static void run(Report report, List<Store> stores, int rounds) {
        Report.Table table = new Report.Table("Cache", "`getMany` of " + KEYS + " p50", KEYS + " × `get` p50",
                "getMany ÷ gets (p50)", "`getMany` p99", KEYS + " × `get` p99", "per key, getMany / get (p50)");
        for (Store store : stores) {
            RunAll.step("8. getMany of " + KEYS + " keys: " + store.label());
            long[][] measured = measure(store, rounds);
            long many50 = percentile(measured[0], 50);
            long gets50 = percentile(measured[1], 50);
            double ratio = (double) many50 / gets50;
            table.row(store.label(), Report.duration(many50), Report.duration(gets50), Report.ratio(ratio),
                    Report.duration(percentile(measured[0], 99)), Report.duration(percentile(measured[1], 99)),
                    Report.micros(many50 / KEYS) + " / " + Report.micros(gets50 / KEYS));
            if (store.remote()) {
                report.target("`getMany` of " + KEYS + " hits, " + store.label(), "≤ 0.1× " + KEYS + " `get`s (issue 14 item 5)",
                        Report.ratio(ratio) + " (" + Report.duration(many50) + " vs " + Report.duration(gets50) + ", p50)",
                        Report.Verdict.of(ratio <= 0.1));
            }
        }
        report.section("8. Bulk read: getMany of " + KEYS + " keys against " + KEYS + " gets", """
                %,d keys filled, then, %,d times each and alternating, one `job.getMany(keys)` and one loop of \
                `job.get(k)` over the same keys, every key a hit; the first third of the rounds warms up and is not \
                counted. p50 and p99 of the time of the whole call (or loop). `getMany` reads the keys with one \
                `CacheBackend.getAll`: one `MGET` on Redis, one multi-get per server on memcached.

                %s""".formatted(KEYS, rounds, table));
    }

    /** {getMany times, loop-of-gets times} in nanoseconds, one per counted round. */
    private static long[][] measure(Store store, int rounds) {
        String unique = "bench-many-" + UUID.randomUUID().toString().substring(0, 8);
        int warmup = rounds / 3;
        long[] many = new long[rounds - warmup];
        long[] gets = new long[rounds - warmup];
        try (Cacheback cacheback = Cacheback.builder().cache("default", store.backend().get()).build()) {
            BenchJob job = new BenchJob(cacheback, JobSettings.builder().name(unique).lifetime(Duration.ofHours(1))
                    .cacheTtl(Duration.ofMinutes(10)).build(), 0);
            List<String> keys = new ArrayList<>(KEYS);
            for (int i = 0; i < KEYS; i++) {
                keys.add("k" + i);
                job.set("k" + i, Values.valueFor("k" + i));
            }
            for (int round = 0; round < rounds; round++) {
                long start = System.nanoTime();
                Map<String, String> all = job.getMany(keys);
                long manyTook = System.nanoTime() - start;
                start = System.nanoTime();
                for (String k : keys) {
                    job.get(k);
                }
                long getsTook = System.nanoTime() - start;
                if (all.size() != KEYS) {
                    throw new IllegalStateException("getMany answered " + all.size() + " keys, not " + KEYS);
                }
                if (round >= warmup) {
                    many[round - warmup] = manyTook;
                    gets[round - warmup] = getsTook;
                }
            }
            if (job.fetches() != 0) {
                throw new IllegalStateException("every key was set before: " + job.fetches() + " fetches");
            }
            for (String k : keys) {
                job.delete(k);
            }
        }
        return new long[][] {many, gets};
    }

    private static long percentile(long[] values, int p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}

package dev.cacheback.benchmarks;

import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.Stampede;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.benchmarks.Report.Table;
import dev.cacheback.benchmarks.Report.Verdict;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Issue item 3: 64 threads released together at a missing key and at a stale key, counting fetches
 * and refresh tasks, on each backend, beside the cache-aside pattern on the same store.
 */
final class StampedeSection {

    static final int THREADS = 64;
    static final long FETCH_MILLIS = 100;
    private static final Duration LIFETIME = Duration.ofSeconds(10);

    /** A store the stampede runs on: a Cacheback backend, and the same store through its raw client. */
    record Store(String name, Supplier<CacheBackend> backend, Supplier<RawStore> raw) {
    }

    record Counts(int fetches, int tasks, int deduplicated, int dropped) {
    }

    private StampedeSection() {
    }

    static void run(List<Store> stores, Report report, int rounds) throws Exception {
        Table table = new Table("Store", "Scenario", "Cacheback fetches", "Cacheback tasks", "Alternative",
                "Alternative's count");
        for (Store store : stores) {
            RunAll.step("3. stampede on " + store.name());
            Range missFetches = new Range();
            Range missTasks = new Range();
            Range staleFetches = new Range();
            Range staleTasks = new Range();
            Range naiveMiss = new Range();
            Range naiveStale = new Range();
            for (int r = 0; r < rounds; r++) {
                Counts miss = cachebackMiss(store);
                missFetches.add(miss.fetches());
                missTasks.add(miss.tasks());
                Counts stale = cachebackStale(store);
                staleFetches.add(stale.fetches());
                staleTasks.add(stale.tasks());
                naiveMiss.add(naiveMiss(store));
                naiveStale.add(naiveStale(store));
            }
            table.row(store.name(), "missing key, fetchOnMiss", missFetches, missTasks,
                    "cache-aside on " + describe(store) + ": get, load, set", "fetches: " + naiveMiss);
            table.row(store.name(), "stale key", staleFetches, staleTasks,
                    "read expiry, enqueue, write back (the seed)", "tasks: " + naiveStale);
            report.target("Stampede, missing key, " + store.name(), "exactly 1 fetch, 0 tasks",
                    missFetches + " fetch, " + missTasks + " tasks in each of " + rounds + " rounds (alternative: "
                            + naiveMiss + " fetches)", Verdict.of(missFetches.is(1) && missTasks.is(0)));
            report.target("Stampede, stale key, " + store.name(), "exactly 1 task, 1 fetch",
                    staleTasks + " task, " + staleFetches + " fetch in each of " + rounds + " rounds (alternative: "
                            + naiveStale + " tasks)", Verdict.of(staleFetches.is(1) && staleTasks.is(1)));
            if (store.name().equals("in-memory")) {
                Range caffeineMiss = new Range();
                Range caffeineStale = new Range();
                for (int r = 0; r < rounds; r++) {
                    caffeineMiss.add(caffeineMiss());
                    caffeineStale.add(caffeineStale());
                }
                table.row(store.name(), "missing key", "", "", "Caffeine `get(k, loader)`", "fetches: " + caffeineMiss);
                table.row(store.name(), "stale key", "", "", "Caffeine `refreshAfterWrite` + `get(k)`",
                        "reloads: " + caffeineStale);
            }
        }
        report.section("3. Stampedes", """
                %d threads wait at a `CyclicBarrier`, then call `job.get(k)` together; %d rounds per row, each on \
                a new key (a range `a–b` is the lowest and highest count over the rounds). *Missing key*: no entry, \
                `fetchOnMiss` true, a fetch takes %d ms. *Stale key*: an entry past its lifetime (the runtime's \
                clock is moved past it). Fetches are counted in the job's `fetch`, tasks by the listener's \
                `onRefreshEnqueued`; for the stale key the harness waits for the in-process worker to run the \
                task, so the fetch column counts the refresh. The alternatives run on the same store through its \
                raw client: cache-aside (get; on a miss load and set) and the seed's stale path (read the stored \
                expiry; when past, enqueue and write the entry back); and, in memory, Caffeine's own loading.

                %s""".formatted(THREADS, rounds, FETCH_MILLIS, table));
    }

    /** The lowest and highest of some counts. */
    static final class Range {
        private int min = Integer.MAX_VALUE;
        private int max = Integer.MIN_VALUE;

        void add(int v) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }

        boolean is(int v) {
            return min == v && max == v;
        }

        @Override
        public String toString() {
            return min == max ? Integer.toString(min) : min + "–" + max;
        }
    }

    private static String describe(Store store) {
        try (RawStore raw = store.raw().get()) {
            return raw.describe();
        }
    }

    private static JobSettings settings() {
        return JobSettings.builder().name("bench.stampede-" + UUID.randomUUID().toString().substring(0, 8))
                .lifetime(LIFETIME).build();
    }

    static Counts cachebackMiss(Store store) throws Exception {
        RecordingListener listener = new RecordingListener();
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try (Cacheback cacheback = Cacheback.builder().cache("default", store.backend().get())
                .queue(RefreshQueue.inProcess(workers)).listener(listener).build()) {
            BenchJob job = new BenchJob(cacheback, settings(), FETCH_MILLIS);
            List<String> got = Stampede.run(THREADS, () -> job.get("missing"));
            check(got, Values.valueFor("missing"));
            job.delete("missing");
            return new Counts(job.fetches(), (int) listener.count("enqueued"), (int) listener.count("deduplicated"), (int) listener.count("dropped"));
        } finally {
            workers.shutdownNow();
        }
    }

    static Counts cachebackStale(Store store) throws Exception {
        RecordingListener listener = new RecordingListener();
        ExecutorService workers = Executors.newFixedThreadPool(2);
        OffsetClock clock = new OffsetClock();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).cache("default", store.backend().get())
                .queue(RefreshQueue.inProcess(workers)).listener(listener).build()) {
            BenchJob job = new BenchJob(cacheback, settings(), FETCH_MILLIS);
            job.set("stale", "old");
            clock.advance(LIFETIME.plusSeconds(1));
            List<String> got = Stampede.run(THREADS, () -> job.get("stale"));
            check(got, "old");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (job.fetches() < listener.count("enqueued") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(2 * FETCH_MILLIS); // anything more that was going to run has run
            job.delete("stale");
            return new Counts(job.fetches(), (int) listener.count("enqueued"), (int) listener.count("deduplicated"), (int) listener.count("dropped"));
        } finally {
            workers.shutdownNow();
        }
    }

    static int naiveMiss(Store store) throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        String key = "bench-naive-" + UUID.randomUUID();
        try (RawStore raw = store.raw().get()) {
            Stampede.run(THREADS, () -> {
                String v = raw.get(key);
                if (v == null) {
                    fetches.incrementAndGet();
                    Thread.sleep(FETCH_MILLIS);
                    v = Values.valueFor(key);
                    raw.set(key, v);
                }
                return v;
            });
            raw.delete(key);
        }
        return fetches.get();
    }

    static int naiveStale(Store store) throws Exception {
        AtomicInteger tasks = new AtomicInteger();
        String key = "bench-naive-" + UUID.randomUUID();
        try (RawStore raw = store.raw().get()) {
            raw.set(key, (System.currentTimeMillis() - 1_000) + "|old");
            Stampede.run(THREADS, () -> {
                String v = raw.get(key);
                int bar = v.indexOf('|');
                if (Long.parseLong(v.substring(0, bar)) <= System.currentTimeMillis()) {
                    tasks.incrementAndGet();                                        // enqueue a refresh
                    raw.set(key, (System.currentTimeMillis() + 60_000) + v.substring(bar)); // mark it as being refreshed
                }
                return v.substring(bar + 1);
            });
            raw.delete(key);
        }
        return tasks.get();
    }

    static int caffeineMiss() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        Cache<String, String> cache = Caffeine.newBuilder().maximumSize(1_000).build();
        Stampede.run(THREADS, () -> cache.get("missing", k -> {
            fetches.incrementAndGet();
            sleep(FETCH_MILLIS);
            return Values.valueFor(k);
        }));
        return fetches.get();
    }

    static int caffeineStale() throws Exception {
        AtomicInteger reloads = new AtomicInteger();
        AtomicLong offset = new AtomicLong();
        LoadingCache<String, String> cache = Caffeine.newBuilder()
                .ticker(() -> System.nanoTime() + offset.get())
                .refreshAfterWrite(LIFETIME)
                .build(k -> {
                    reloads.incrementAndGet();
                    sleep(FETCH_MILLIS);
                    return Values.valueFor(k);
                });
        cache.put("stale", "old");
        offset.addAndGet(LIFETIME.plusSeconds(1).toNanos());
        Stampede.run(THREADS, () -> cache.get("stale"));
        Thread.sleep(3 * FETCH_MILLIS);
        return reloads.get();
    }

    private static void check(List<String> got, String expected) {
        List<String> wrong = new ArrayList<>();
        for (String g : got) {
            if (!expected.equals(g)) {
                wrong.add(g);
            }
        }
        if (!wrong.isEmpty()) {
            throw new IllegalStateException(wrong.size() + " callers got something else than " + expected + ": " + wrong.get(0));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The in-memory store's raw form: a {@link ConcurrentHashMap}. */
    static RawStore mapStore() {
        ConcurrentHashMap<String, String> map = new ConcurrentHashMap<>();
        return new RawStore() {
            @Override
            public String get(String key) {
                return map.get(key);
            }

            @Override
            public void set(String key, String value) {
                map.put(key, value);
            }

            @Override
            public void delete(String key) {
                map.remove(key);
            }

            @Override
            public String describe() {
                return "a ConcurrentHashMap";
            }

            @Override
            public void close() {
                map.clear();
            }
        };
    }
}

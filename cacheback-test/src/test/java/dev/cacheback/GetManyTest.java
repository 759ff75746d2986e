package dev.cacheback;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ForwardingCacheBackend;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.Stampede;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Issue 14 item 4: {@code getMany} / {@code fetchMany}, the rules of {@code get} per key, counted exactly. */
class GetManyTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final RecordingListener events = new RecordingListener();
    private final CountingBackend backend = new CountingBackend(CacheBackend.inMemory());
    private Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events)
            .cache("default", backend).build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    /** Counts each backend operation by name. */
    static class CountingBackend extends ForwardingCacheBackend {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        CountingBackend(CacheBackend delegate) {
            super(delegate);
        }

        @Override
        protected void before(String operation) {
            calls.computeIfAbsent(operation, o -> new AtomicInteger()).incrementAndGet();
        }

        int count(String operation) {
            AtomicInteger n = calls.get(operation);
            return n == null ? 0 : n.get();
        }

        void reset() {
            calls.clear();
        }
    }

    /** A job with a bulk source: {@code fetchMany} answers {@code args + "@" + call}, and records what it was asked. */
    static class BulkJob extends CountingJob {
        final List<Set<String>> fetchManyCalls = new CopyOnWriteArrayList<>();
        final Set<String> leftOut = ConcurrentHashMap.newKeySet();
        volatile RuntimeException failure;

        BulkJob(Cacheback cacheback, JobSettings settings) {
            super(cacheback, settings);
        }

        @Override
        protected Map<String, String> fetchMany(Set<String> args) {
            fetchManyCalls.add(Set.copyOf(args));
            RuntimeException f = failure;
            if (f != null) {
                throw f;
            }
            Map<String, String> data = new HashMap<>();
            for (String a : args) {
                if (!leftOut.contains(a)) {
                    data.put(a, a + "@" + fetchManyCalls.size());
                }
            }
            return data;
        }

        @Override
        protected String empty() {
            return "none";
        }
    }

    private static JobSettings.Builder tenMinutes(String name) {
        return JobSettings.builder().name(name).lifetime(Duration.ofMinutes(10));
    }

    @Test
    void aMixOfHitStaleAndMissingKeysIsOneLookupOneFetchManyAndOneTaskPerStaleKey() {
        BulkJob job = new BulkJob(cacheback, tenMinutes("mix").build());
        job.set("c", "c-old");
        job.set("d", "d-old");
        clock.advance(Duration.ofMinutes(11));   // c, d stale
        job.set("a", "a-now");
        job.set("b", "b-now");
        backend.reset();
        events.reset();

        Map<String, String> got = job.getMany(List.of("a", "b", "c", "d", "e", "f", "a", "e"));

        assertThat(new ArrayList<>(got.keySet())).containsExactly("a", "b", "c", "d", "e", "f");
        assertThat(got).containsExactly(Map.entry("a", "a-now"), Map.entry("b", "b-now"), Map.entry("c", "c-old"),
                Map.entry("d", "d-old"), Map.entry("e", "e@1"), Map.entry("f", "f@1"));
        assertThat(job.fetchManyCalls).containsExactly(Set.of("e", "f"));
        assertThat(job.fetches()).isZero();
        assertThat(backend.count("getAll")).isEqualTo(2);                 // the lookup, and the leader's second read of e, f
        assertThat(backend.count("tryLeaseAndSetIfVersion")).isEqualTo(2); // c and d: lease + conditional mark
        assertThat(backend.count("setIfVersion")).isEqualTo(2);           // e and f stored, fenced on "no entry"
        assertThat(backend.count("get")).isEqualTo(2);                    // verify-writes reads e and f back
        assertThat(queue.pending()).extracting(t -> t.key()).containsExactlyInAnyOrder(job.key("c"), job.key("d"));
        assertThat(events.count("hit")).isEqualTo(2);
        assertThat(events.count("stale.async")).isEqualTo(2);
        assertThat(events.count("miss.sync")).isEqualTo(2);
        assertThat(events.count("fetch")).isEqualTo(2);
        assertThat(events.count("enqueued")).isEqualTo(2);

        assertThat(queue.runPending()).isEqualTo(2);                      // workers refresh c, d with fetch()
        assertThat(job.fetches()).isEqualTo(2);
        backend.reset();
        Map<String, String> after = job.getMany(List.of("a", "b", "c", "d", "e", "f"));
        assertThat(after).hasSize(6).containsEntry("a", "a-now").containsEntry("e", "e@1");
        assertThat(after.get("c")).startsWith("c#");
        assertThat(after.get("d")).startsWith("d#");
        assertThat(backend.count("getAll")).isEqualTo(1);
        assertThat(backend.count("get")).isZero();
        assertThat(job.fetchManyCalls).hasSize(1);
        assertThat(queue.pending()).isEmpty();
    }

    @Test
    void aSecondReaderOfAStaleKeyMakesNoSecondTaskAndProcessResultSeesEachKey() {
        List<String> seen = new CopyOnWriteArrayList<>();
        BulkJob job = new BulkJob(cacheback, tenMinutes("statuses").build()) {
            @Override
            protected String processResult(String result, String args, CacheStatus status, Boolean syncFetch) {
                seen.add(args + " " + result + " " + status + " " + syncFetch);
                return result.toUpperCase(java.util.Locale.ROOT);
            }
        };
        job.set("s", "old");
        clock.advance(Duration.ofMinutes(11));
        job.set("h", "fresh");

        assertThat(job.getMany(List.of("h", "s", "m"))).containsExactly(
                Map.entry("h", "FRESH"), Map.entry("s", "OLD"), Map.entry("m", "M@1"));
        assertThat(seen).containsExactly("h fresh HIT null", "s old STALE false", "m m@1 MISS true");
        assertThat(job.getMany(List.of("s"))).containsEntry("s", "OLD");  // marked: fresh for refreshTimeout, no second task
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(events.count("hit")).isEqualTo(2);
    }

    @Test
    void theDefaultFetchManyFetchesEachMissingKeyOnceAndStoresIt() {
        CountingJob job = new CountingJob(cacheback, tenMinutes("default").build());

        Map<String, String> got = job.getMany(List.of("k1", "k2", "k3", "k4", "k5"));

        assertThat(got).hasSize(5);
        got.forEach((k, v) -> assertThat(v).startsWith(k + "#"));
        assertThat(job.fetches()).isEqualTo(5);
        assertThat(events.count("fetch")).isEqualTo(5);
        assertThat(job.getMany(List.of("k5", "k1"))).containsExactly(Map.entry("k5", got.get("k5")), Map.entry("k1", got.get("k1")));
        assertThat(job.fetches()).isEqualTo(5);
        assertThat(job.get("k3")).isEqualTo(got.get("k3"));
    }

    @Test
    void theDefaultFetchManyRunsAtMostFetchManyConcurrencyFetchesAtOnce() {
        cacheback.close();
        cacheback = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue()).fetchManyConcurrency(3).build();
        CountingJob job = new CountingJob(cacheback, tenMinutes("bounded").build());
        job.fetchTakes(30);   // real threads: long enough for the fetches to overlap

        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            keys.add("k" + i);
        }
        assertThat(job.getMany(keys)).hasSize(12);
        assertThat(job.fetches()).isEqualTo(12);
        assertThat(job.maxConcurrentFetches()).isBetween(2, 3);
    }

    @Test
    void fetchManyConcurrencyOfOneFetchesInTheCallersThreadOneAfterAnother() {
        cacheback.close();
        cacheback = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue()).fetchManyConcurrency(1).build();
        List<String> threads = new CopyOnWriteArrayList<>();
        CountingJob job = new CountingJob(cacheback, tenMinutes("serial").build()) {
            @Override
            protected String fetch(String args) throws Exception {
                threads.add(Thread.currentThread().getName());
                return super.fetch(args);
            }
        };
        assertThat(job.getMany(List.of("a", "b", "c"))).containsExactly(
                Map.entry("a", "a#1"), Map.entry("b", "b#2"), Map.entry("c", "c#3"));
        assertThat(threads).containsOnly(Thread.currentThread().getName()).hasSize(3);
        assertThatThrownBy(() -> Cacheback.builder().fetchManyConcurrency(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }

    @Test
    void keysFetchManyLeavesOutAnswerAndStoreEmpty() {
        BulkJob job = new BulkJob(cacheback, tenMinutes("left-out").build());
        job.leftOut.add("ghost");

        assertThat(job.getMany(List.of("real", "ghost"))).containsExactly(
                Map.entry("real", "real@1"), Map.entry("ghost", "none"));
        assertThat(job.rawGet("ghost")).map(CacheEntry::data).contains("none");
        assertThat(job.getMany(List.of("ghost"))).containsEntry("ghost", "none");
        assertThat(job.fetchManyCalls).hasSize(1);
    }

    @Test
    void aFailingKeyFailsTheCallButTheOthersAreStoredWithTheDefaultFetchMany() {
        CountingJob job = new CountingJob(cacheback, tenMinutes("one-bad").build()) {
            @Override
            protected String fetch(String args) throws Exception {
                if (args.equals("bad")) {
                    throw new java.io.IOException("no such row");
                }
                return super.fetch(args);
            }
        };

        assertThatThrownBy(() -> job.getMany(List.of("good", "bad", "fine")))
                .isInstanceOf(FetchException.class).hasMessageContaining("no such row").hasMessageContaining(job.key("bad"));
        assertThat(job.rawGet("good")).isPresent();
        assertThat(job.rawGet("fine")).isPresent();
        assertThat(job.rawGet("bad")).isEmpty();
        assertThat(events.count("fetch")).isEqualTo(2);
        assertThat(events.count("fetch.failed")).isEqualTo(1);
    }

    @Test
    void anOverriddenFetchManyThatThrowsFailsEveryMissingKeyAndCountsOnceForTheBreaker() {
        BulkJob job = new BulkJob(cacheback, tenMinutes("bulk-fails").sourceBreaker(2, Duration.ofSeconds(30)).build());
        job.set("kept", "old");
        job.failure = new IllegalStateException("bulk source down");

        assertThatThrownBy(() -> job.getMany(List.of("kept", "x", "y"))).hasMessage("bulk source down");
        assertThat(events.count("fetch.failed")).isEqualTo(2);   // reported for each key
        assertThat(job.sourceState()).isEqualTo(SourceState.CLOSED);
        assertThatThrownBy(() -> job.getMany(List.of("x"))).hasMessage("bulk source down");
        assertThat(job.sourceState()).isEqualTo(SourceState.OPEN);
        assertThatThrownBy(() -> job.getMany(List.of("x", "kept"))).isInstanceOf(SourceUnavailableException.class);
        assertThat(job.fetchManyCalls).hasSize(2);
        assertThat(job.rawGet("x")).isEmpty();
    }

    @Test
    void withoutFetchOnMissMissingKeysAnswerEmptyAndEnqueueOneTaskEach() {
        BulkJob job = new BulkJob(cacheback, tenMinutes("no-fetch").fetchOnMiss(false).build());

        assertThat(job.getMany(List.of("p", "q"))).containsExactly(Map.entry("p", "none"), Map.entry("q", "none"));
        assertThat(job.fetchManyCalls).isEmpty();
        assertThat(queue.enqueuedCount()).isEqualTo(2);
        assertThat(events.count("miss.async")).isEqualTo(2);
        assertThat(queue.runPending()).isEqualTo(2);
        assertThat(job.getMany(List.of("p", "q"))).containsExactly(Map.entry("p", "p#1"), Map.entry("q", "q#2"));
    }

    @Test
    void tooStaleKeysAreRefreshedWithTheMissesAndServeStaleOnErrorUnderFailSafe() {
        BulkJob job = new BulkJob(cacheback, JobSettings.builder().name("too-stale").lifetime(Duration.ofSeconds(10))
                .fetchOnStaleThreshold(Duration.ofSeconds(20)).failSafeMaxStaleness(Duration.ofMinutes(1)).build());
        job.set("old", "old-data");
        job.set("older", "older-data");
        clock.advance(Duration.ofSeconds(25));   // stale by 15 s: past the threshold

        assertThat(job.getMany(List.of("old", "new"))).containsExactly(
                Map.entry("old", "old@1"), Map.entry("new", "new@1"));
        assertThat(job.fetchManyCalls).containsExactly(Set.of("old", "new"));
        assertThat(events.count("stale.sync")).isEqualTo(1);

        job.failure = new IllegalStateException("source down");
        assertThat(job.getMany(List.of("older"))).containsEntry("older", "older-data");
        assertThat(events.count("failsafe")).isEqualTo(1);
        assertThat(job.rawGet("older")).map(CacheEntry::data).contains("older-data");
        assertThat(queue.enqueuedCount()).isZero();
    }

    @Test
    void aHardFetchTimeoutBoundsTheWaitForEveryKey() {
        CountingJob job = new CountingJob(cacheback, tenMinutes("hard").hardFetchTimeout(Duration.ofMillis(100)).build());
        job.closeGate();
        try {
            assertThatThrownBy(() -> job.getMany(List.of("slow1", "slow2")))
                    .isInstanceOf(FetchTimeoutException.class).hasMessageContaining(job.key("slow1"));
            assertThat(events.count("timeout.hard")).isEqualTo(2);
        } finally {
            job.openGate();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> job.rawGet("slow1").isPresent() && job.rawGet("slow2").isPresent());
        assertThat(job.fetches()).isEqualTo(2);
    }

    @Test
    void argumentsAreChecked() {
        CountingJob job = new CountingJob(cacheback, tenMinutes("checked").build());
        assertThat(job.getMany(List.of())).isEmpty();
        assertThatThrownBy(() -> job.getMany(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> job.getMany(java.util.Arrays.asList("a", null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("args[1] is null");
        Job<Void, String> noArgs = new Job<>(cacheback, JobSettings.builder().name("no-args").build()) {
            @Override
            protected String fetch(Void args) {
                return "x";
            }
        };
        assertThatThrownBy(() -> noArgs.getMany(List.of())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("call get()");
        assertThat(job.fetches()).isZero();
    }

    @Test
    void aCacheThatFailsIsReadKeyByKeyAndItsKeysAreFetched() {
        cacheback.close();
        AtomicInteger failGetAll = new AtomicInteger(1);
        CountingBackend failing = new CountingBackend(CacheBackend.inMemory()) {
            @Override
            protected void before(String operation) {
                super.before(operation);
                if (operation.equals("getAll") && failGetAll.getAndDecrement() > 0) {
                    throw new dev.cacheback.spi.CacheBackendException("server gone");
                }
            }
        };
        cacheback = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue()).listener(events).cache("default", failing).build();
        BulkJob job = new BulkJob(cacheback, tenMinutes("failing").build());
        job.set("there", "kept");

        assertThat(job.getMany(List.of("there", "gone"))).containsExactly(
                Map.entry("there", "kept"), Map.entry("gone", "gone@1"));
        assertThat(events.count("backend.error")).isEqualTo(1);
        assertThat(job.fetchManyCalls).containsExactly(Set.of("gone"));
    }

    // ------------------------------------------------------------------ stampede

    @Test
    void sixteenThreadsReadingOverlappingKeySetsFetchEachKeyOnce() {
        CountingJob job = new CountingJob(cacheback, tenMinutes("stampede").build());
        job.closeGate();
        AtomicInteger thread = new AtomicInteger();
        AtomicInteger entered = new AtomicInteger();
        Thread opener = new Thread(() -> {
            await().atMost(Duration.ofSeconds(20)).until(() -> entered.get() == 16);
            await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> true);
            job.openGate();
        });
        opener.start();
        List<Map<String, String>> seen = Stampede.run(16, () -> {
            int t = thread.getAndIncrement();
            List<String> keys = List.of("k" + t % 8, "k" + (t + 1) % 8, "k" + (t + 3) % 8);
            entered.incrementAndGet();
            return t % 4 == 0 ? Map.of(keys.get(0), job.get(keys.get(0))) : job.getMany(keys);
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> !opener.isAlive());

        assertThat(job.fetches()).isEqualTo(8);
        Map<String, String> agreed = new LinkedHashMap<>();
        for (Map<String, String> answer : seen) {
            answer.forEach((k, v) -> assertThat(agreed.merge(k, v, (a, b) -> a)).isEqualTo(v));
        }
        assertThat(agreed).hasSize(8);
        assertThat(cacheback.singleFlight().size()).isZero();
    }

    @Test
    void sixteenThreadsWithABulkSourceMakeOneFetchPerKeyAcrossFetchManyCalls() {
        BulkJob job = new BulkJob(cacheback, tenMinutes("bulk-stampede").build());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add("k" + i);
        }
        AtomicInteger thread = new AtomicInteger();
        Stampede.run(16, () -> {
            int t = thread.getAndIncrement();
            return job.getMany(keys.subList(t % 5, t % 5 + 15));
        });
        Map<String, Integer> asked = new HashMap<>();
        job.fetchManyCalls.forEach(call -> call.forEach(k -> asked.merge(k, 1, Integer::sum)));
        assertThat(asked).hasSize(19).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
    }
}

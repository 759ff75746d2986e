package dev.cacheback;

import ch.qos.logback.classic.Level;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Issue 13: stale-if-error and per-result lifetimes, on the in-memory cache (every backend: CacheBackendContract). */
class ResilienceTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final RecordingListener events = new RecordingListener();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events)
            .errorLogInterval(Duration.ofSeconds(30)).build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    /** Lifetime 10 s, too stale (synchronous refresh) 10 s after expiry. */
    private static JobSettings.Builder tooStaleAfter10s() {
        return JobSettings.builder().lifetime(Duration.ofSeconds(10)).fetchOnStaleThreshold(Duration.ofSeconds(20));
    }

    /** Records what processResult saw. */
    static final class Recording extends CountingJob {
        final List<String> seen = new ArrayList<>();

        Recording(Cacheback cacheback, JobSettings settings) {
            super(cacheback, settings);
        }

        @Override
        protected String processResult(String result, String args, CacheStatus status, Boolean syncFetch) {
            seen.add(result + " " + status + " " + syncFetch);
            return result;
        }
    }

    // ------------------------------------------------------------------ item 1: stale-if-error

    @Test
    void withoutFailSafeAFailedSynchronousRefreshReachesTheCallerAsInTheSeed() {
        CountingJob job = new CountingJob(cacheback, tooStaleAfter10s().name("no-failsafe").build());
        job.get("a");
        clock.advance(Duration.ofSeconds(25));
        job.failWith(new IllegalStateException("source down"));
        assertThatThrownBy(() -> job.get("a")).hasMessage("source down");
        assertThat(events.count("failsafe")).isZero();
        assertThat(job.failSafeMaxStaleness()).isNull();
    }

    @Test
    void failSafeAnswersStaleDataThroughProcessResultAndTheListener() {
        Recording job = new Recording(cacheback, tooStaleAfter10s().name("failsafe")
                .failSafeMaxStaleness(Duration.ofMinutes(5)).build());
        job.get("a");
        clock.advance(Duration.ofSeconds(25));
        job.failWith(new IllegalStateException("source down"));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.seen).containsExactly("a#1 MISS true", "a#1 STALE false");
        assertThat(events.count("failsafe")).isEqualTo(1);
        assertThat(events.count("fetch.failed")).isEqualTo(1);
        assertThat(queue.enqueuedCount()).as("treated as a failed background refresh: no task").isZero();
        assertThat(job.get("a")).as("re-armed for the refresh timeout: the next read does not call the source").isEqualTo("a#1");
        assertThat(job.seen).last().isEqualTo("a#1 HIT null");
        assertThat(job.fetches()).isEqualTo(2);
        job.failWith(null);
        clock.advance(JobSettings.DEFAULT_REFRESH_TIMEOUT.plusMillis(1));
        assertThat(job.get("a")).as("then stale again, and refreshed in the background").isEqualTo("a#1");
        assertThat(job.seen).last().isEqualTo("a#1 STALE false");
        queue.runPending();
        assertThat(job.get("a")).isEqualTo("a#3");
        assertThat(job.seen).last().isEqualTo("a#3 HIT null");
    }

    @Test
    void failSafeWithARefreshBackoffWaitsOutTheKeysBackoffInEveryProcess() {
        Recording job = new Recording(cacheback, tooStaleAfter10s().name("failsafe-backoff")
                .failSafeMaxStaleness(Duration.ofMinutes(5)).refreshBackoff(Duration.ofSeconds(10), Duration.ofMinutes(1)).build());
        job.get("a");
        clock.advance(Duration.ofSeconds(25));
        job.failWith(new IllegalStateException("source down"));
        assertThat(job.get("a")).isEqualTo("a#1");
        CacheEntry<String> backedOff = job.rawGet("a").orElseThrow();
        assertThat(backedOff.failures()).as("the failure counts toward the key's backoff, in the entry").isEqualTo(1);
        assertThat(backedOff.expiry()).isBetween(clock.instant().plusSeconds(8), clock.instant().plusSeconds(12));
        assertThat(queue.enqueuedCount()).as("the backoff decides the next try; no task").isZero();
        for (int i = 0; i < 7; i++) {
            clock.advance(Duration.ofSeconds(1));
            assertThat(job.get("a")).isEqualTo("a#1");
        }
        assertThat(job.fetches()).as("no source call while the key backs off").isEqualTo(2);
    }

    @Test
    void failSafeAlsoCoversCheckedFailuresButNotAMissWhichHasNoStaleData() {
        CountingJob job = new CountingJob(cacheback, tooStaleAfter10s().name("failsafe-checked")
                .failSafeMaxStaleness(Duration.ofMinutes(5)).build()) {
            @Override
            protected String fetch(String args) throws Exception {
                String data = super.fetch(args);
                if (fetches() > 1) {
                    throw new IOException("connection refused");
                }
                return data;
            }
        };
        job.get("a");
        clock.advance(Duration.ofSeconds(25));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThatThrownBy(() -> job.get("b")).isInstanceOf(FetchException.class).hasMessageContaining("connection refused");
    }

    @Test
    void failSafeStopsAtItsMaximumStaleness() {
        CountingJob job = new CountingJob(cacheback, tooStaleAfter10s().name("failsafe-max")
                .failSafeMaxStaleness(Duration.ofSeconds(30)).build());
        job.get("b");
        clock.advance(Duration.ofMillis(1));
        job.get("a");
        job.failWith(new IllegalStateException("source down"));
        clock.advance(Duration.ofSeconds(40));                       // a stale by exactly 30 s: still served
        assertThat(job.get("a")).isEqualTo("a#2");
        assertThatThrownBy(() -> job.get("b")).as("b stale by 30.001 s").hasMessage("source down");
    }

    @Test
    void failSafeIsLoggedOncePerIntervalPerJob() {
        try (LogCapture log = new LogCapture(Level.ERROR)) {
            CountingJob job = new CountingJob(cacheback, tooStaleAfter10s().name("failsafe-log")
                    .failSafeMaxStaleness(Duration.ofMinutes(5)).build());
            for (int i = 0; i <= 10; i++) {
                job.get("k" + i);
            }
            clock.advance(Duration.ofSeconds(25));
            job.failWith(new IllegalStateException("source down"));
            for (int i = 0; i < 10; i++) {
                job.get("k" + i);
            }
            assertThat(events.count("failsafe")).isEqualTo(10);
            assertThat(log.lines(Level.ERROR)).hasSize(1).first().asString()
                    .contains("failsafe-log").contains("answering data stale by").contains("source down");
            clock.advance(Duration.ofSeconds(31));
            job.get("k10");
            assertThat(log.lines(Level.ERROR)).hasSize(2).last().asString().contains("9 similar errors");
        }
    }

    @Test
    void failSafeSettingIsValidatedAndSetOnce() {
        assertThatThrownBy(() -> JobSettings.builder().failSafeMaxStaleness(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failSafeMaxStaleness");
        assertThatThrownBy(() -> JobSettings.builder().failSafeMaxStaleness(Duration.ofSeconds(1))
                .failSafeMaxStaleness(Duration.ofSeconds(2))).isInstanceOf(IllegalStateException.class);
        JobSettings s = JobSettings.builder().failSafeMaxStaleness(Duration.ofSeconds(1)).build();
        assertThat(s.withName("n").failSafeMaxStaleness()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s).isNotEqualTo(JobSettings.defaults());
        assertThat(JobSettings.defaults().failSafeMaxStaleness()).isNull();
    }

    // ------------------------------------------------------------------ item 6: negative and conditional caching

    /** Caches "not found" (null) for 30 s, the rest for the job's lifetime (10 min). */
    static final class Lookup extends Job<String, String> {
        int fetches;

        Lookup(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().name("lookup").build());
        }

        @Override
        protected String fetch(String id) {
            fetches++;
            return id.startsWith("missing") ? null : "found " + id;
        }

        @Override
        protected Duration lifetimeFor(String id, String data) {
            return data == null ? Duration.ofSeconds(30) : null;
        }
    }

    @Test
    void notFoundIsCachedForItsOwnShorterLifetime() {
        Lookup job = new Lookup(cacheback);
        assertThat(job.get("missing-1")).isNull();
        assertThat(job.get("missing-1")).isNull();
        assertThat(job.fetches).isEqualTo(1);
        assertThat(job.rawGet("missing-1").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(30));
        assertThat(job.get("a")).isEqualTo("found a");
        assertThat(job.rawGet("a").orElseThrow().expiry()).isEqualTo(clock.instant().plus(JobSettings.DEFAULT_LIFETIME));
        job.refresh("missing-1");
        assertThat(job.rawGet("missing-1").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(30));
    }

    @Test
    void aZeroLifetimeStoresDataAlreadyStaleAndANegativeOneIsAnError() {
        CountingJob zero = new CountingJob(cacheback, JobSettings.builder().name("zero").build()) {
            @Override
            protected Duration lifetimeFor(String args, String data) {
                return args.equals("neg") ? Duration.ofSeconds(-1) : Duration.ZERO;
            }
        };
        assertThat(zero.get("a")).isEqualTo("a#1");
        assertThat(zero.get("a")).isEqualTo("a#1");                  // stale at once: served, refresh enqueued
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThatThrownBy(() -> zero.get("neg")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Job zero: lifetimeFor returned a negative lifetime");
    }

    // ------------------------------------------------------------------ item 2: fetch timeouts (real threads: a gated fetch)

    @Test
    void aSoftTimeoutAnswersStaleDataAndTheFetchStoresInTheBackground() {
        CountingJob job = new CountingJob(cacheback, tooStaleAfter10s().name("soft")
                .softFetchTimeout(Duration.ofMillis(50)).build());
        assertThat(job.get("a")).isEqualTo("a#1");                  // a miss has no stale data: waits as long as it takes
        clock.advance(Duration.ofSeconds(25));
        job.closeGate();
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(events.count("timeout.soft")).isEqualTo(1);
        assertThat(job.fetchesInFlight()).isEqualTo(1);
        job.openGate();
        await().atMost(Duration.ofSeconds(10)).until(() -> "a#2".equals(job.rawGet("a").orElseThrow().data()));
        assertThat(job.get("a")).isEqualTo("a#2");
        assertThat(events.count("hit")).isEqualTo(1);
    }

    @Test
    void aHardTimeoutFailsAMissNamingJobKeyAndTimeoutWhileTheOneFetchGoesOnAndStores() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("hard")
                .hardFetchTimeout(Duration.ofMillis(50)).build());
        job.closeGate();
        assertThatThrownBy(() -> job.get("b")).isInstanceOf(FetchTimeoutException.class)
                .hasMessageContaining("Job hard gave up waiting for its fetch of key \"" + job.key("b") + "\" after its "
                        + "hardFetchTimeout of PT0.05S");
        assertThatThrownBy(() -> job.get("b")).isInstanceOf(FetchTimeoutException.class);
        assertThat(job.maxConcurrentFetches()).as("the second reader joined the running fetch").isEqualTo(1);
        assertThat(events.count("timeout.hard")).isEqualTo(2);
        job.openGate();
        await().atMost(Duration.ofSeconds(10)).until(() -> job.rawGet("b").isPresent());
        assertThat(job.get("b")).isEqualTo("b#1");
        assertThat(job.fetches()).isEqualTo(1);
    }

    @Test
    void aHardTimeoutOnATooStaleReadIsCoveredByFailSafe() {
        CountingJob job = new CountingJob(cacheback, tooStaleAfter10s().name("hard-failsafe")
                .hardFetchTimeout(Duration.ofMillis(50)).failSafeMaxStaleness(Duration.ofMinutes(1)).build());
        job.get("c");
        clock.advance(Duration.ofSeconds(25));
        job.closeGate();
        assertThat(job.get("c")).isEqualTo("c#1");
        assertThat(events.count("timeout.hard")).isEqualTo(1);
        assertThat(events.count("failsafe")).isEqualTo(1);
        job.openGate();
        await().atMost(Duration.ofSeconds(10)).until(() -> "c#2".equals(job.rawGet("c").orElseThrow().data()));
    }

    @Test
    void fetchesUnderATimeoutRunOnTheInjectedExecutorWhichTheRuntimeDoesNotShutDown() throws Exception {
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Cacheback own = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue()).fetchExecutor(executor).build()) {
            CountingJob job = new CountingJob(own, JobSettings.builder().name("injected")
                    .hardFetchTimeout(Duration.ofSeconds(30)).build()) {
                @Override
                protected String fetch(String args) throws Exception {
                    return super.fetch(args) + "@" + Thread.currentThread().getName();
                }
            };
            assertThat(job.get("d")).startsWith("d#1@pool-");
        }
        assertThat(executor.isShutdown()).isFalse();
        executor.shutdown();
        assertThatThrownBy(() -> Cacheback.builder().fetchExecutor(executor).fetchExecutor(executor))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void jobsWithoutATimeoutFetchInTheCallersThread() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("inline").build()) {
            @Override
            protected String fetch(String args) throws Exception {
                return super.fetch(args) + "@" + Thread.currentThread().getName();
            }
        };
        assertThat(job.get("e")).isEqualTo("e#1@" + Thread.currentThread().getName());
    }

    // ------------------------------------------------------------------ item 4: a breaker on the source

    private CountingJob breakerJob(String name) {
        return new CountingJob(cacheback, tooStaleAfter10s().name(name)
                .sourceBreaker(3, Duration.ofSeconds(30)).build());
    }

    @Test
    void threeFailedFetchesInARowOpenTheBreakerMissesFailFastAndStaleDataIsServed() {
        CountingJob job = breakerJob("breaker");
        job.get("old");                                             // fetch 1, stored
        clock.advance(Duration.ofSeconds(25));                     // "old" is now too stale: refreshed synchronously
        job.failWith(new IllegalStateException("source down"));
        for (String key : List.of("a", "b", "c")) {
            assertThatThrownBy(() -> job.get(key)).hasMessage("source down");
        }
        assertThat(job.sourceState()).isEqualTo(SourceState.OPEN);
        assertThat(events.count("source.open")).isEqualTo(1);
        assertThatThrownBy(() -> job.get("d")).isInstanceOf(SourceUnavailableException.class)
                .hasMessageContaining("Job breaker did not fetch key").hasMessageContaining("source breaker is OPEN after 3 "
                        + "consecutive failed fetches (last: java.lang.IllegalStateException: source down)")
                .satisfies(e -> assertThat(((SourceUnavailableException) e).state()).isEqualTo(SourceState.OPEN));
        assertThat(job.get("old")).as("stale data is served without calling the source").isEqualTo("old#1");
        assertThat(job.fetches()).isEqualTo(4);
        assertThat(new CountingJob(cacheback, tooStaleAfter10s().name("breaker").sourceBreaker(3, Duration.ofSeconds(30))
                .build()).sourceState()).as("jobs made per request share the breaker").isEqualTo(SourceState.OPEN);
    }

    @Test
    void aWorkerSkipsItsTaskWhileTheBreakerIsOpen() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("breaker-worker").lifetime(Duration.ofSeconds(10))
                .sourceBreaker(1, Duration.ofSeconds(30)).build());
        job.get("a");
        job.failNext(1);
        assertThatThrownBy(() -> job.get("b")).hasMessageContaining("planned failure");
        clock.advance(Duration.ofSeconds(11));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(queue.results()).singleElement().satisfies(r -> assertThat(r.toString()).contains("source breaker"));
        assertThat(job.fetches()).isEqualTo(2);
    }

    @Test
    void afterTheWindowOneProbeGoesThroughItsFailureReopensAndItsSuccessCloses() {
        CountingJob job = breakerJob("breaker-probe");
        job.failWith(new IllegalStateException("source down"));
        for (String key : List.of("a", "b", "c")) {
            assertThatThrownBy(() -> job.get(key)).hasMessage("source down");
        }
        clock.advance(Duration.ofSeconds(30));
        assertThatThrownBy(() -> job.get("p")).as("the probe").hasMessage("source down");
        assertThat(events.count("source.half_open")).isEqualTo(1);
        assertThat(job.sourceState()).isEqualTo(SourceState.OPEN);
        assertThatThrownBy(() -> job.get("p")).isInstanceOf(SourceUnavailableException.class);
        clock.advance(Duration.ofSeconds(30));
        job.failWith(null);
        assertThat(job.get("p")).isEqualTo("p#5");
        assertThat(job.sourceState()).isEqualTo(SourceState.CLOSED);
        assertThat(events.count("source.closed")).isEqualTo(1);
        assertThat(job.get("q")).isEqualTo("q#6");
    }

    @Test
    void aSuccessResetsTheCountOfFailuresInARow() {
        CountingJob job = breakerJob("breaker-reset");
        job.failNext(2);
        assertThatThrownBy(() -> job.get("a"));
        assertThatThrownBy(() -> job.get("a"));
        assertThat(job.get("a")).isEqualTo("a#3");
        job.failNext(2);
        assertThatThrownBy(() -> job.get("b"));
        assertThatThrownBy(() -> job.get("b"));
        assertThat(job.sourceState()).isEqualTo(SourceState.CLOSED);
        assertThat(new CountingJob(cacheback, JobSettings.builder().name("no-breaker").build()).sourceState())
                .isEqualTo(SourceState.CLOSED);
    }

    @Test
    void theBreakerSettingIsValidatedAndSetOnce() {
        assertThatThrownBy(() -> JobSettings.builder().sourceBreaker(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> JobSettings.builder().sourceBreaker(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobSettings.builder().sourceBreaker(1, Duration.ofSeconds(1)).sourceBreaker(2, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class);
        JobSettings s = JobSettings.builder().sourceBreaker(5, Duration.ofSeconds(9)).build().withName("copy");
        assertThat(s.sourceBreakerFailures()).isEqualTo(5);
        assertThat(s.sourceBreakerWindow()).isEqualTo(Duration.ofSeconds(9));
        assertThat(JobSettings.defaults().sourceBreakerFailures()).isZero();
    }

    // ------------------------------------------------------------------ item 3: per-key backoff

    @Test
    void theBackoffDoublesIsJitteredAndCapped() {
        Duration initial = Duration.ofSeconds(1);
        Duration max = Duration.ofSeconds(30);
        for (int i = 0; i < 50; i++) {
            assertThat(Job.backoff(initial, max, 1)).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
            assertThat(Job.backoff(initial, max, 3)).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
            assertThat(Job.backoff(initial, max, 6)).isBetween(Duration.ofSeconds(24), Duration.ofSeconds(36));
            assertThat(Job.backoff(initial, max, Integer.MAX_VALUE)).isBetween(Duration.ofSeconds(24), Duration.ofSeconds(36));
        }
    }

    @Test
    void withoutABackoffAFailedRefreshLeavesTheEntryAndIsRetriedByTheQueueAsBefore() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("no-backoff").lifetime(Duration.ofSeconds(10)).build());
        job.get("k");
        clock.advance(Duration.ofSeconds(11));
        job.get("k");
        CacheEntry<String> marked = job.rawGet("k").orElseThrow();
        job.failNext(1);
        queue.runPending();
        assertThat(job.rawGet("k")).contains(marked);
        assertThat(queue.results()).last().extracting(dev.cacheback.spi.TaskResult::outcome)
                .isEqualTo(dev.cacheback.spi.TaskResult.Outcome.FAILED);
    }

    @Test
    void formatTwoEntriesStillReadWithNoFailuresAndTheirVersion() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(24 + 5);
        b.put((byte) 'C').put((byte) 'B').put((byte) 2).put((byte) 1).putLong(1_900_000_000L).putInt(5).putLong(42L)
                .put("\"old\"".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] bytes = b.array();
        CacheEntry<String> entry = dev.cacheback.spi.EntryCodec.<String>of(dev.cacheback.spi.Codec.jackson(), String.class)
                .decode(bytes);
        assertThat(entry).isEqualTo(new CacheEntry<>(java.time.Instant.ofEpochSecond(1_900_000_000L, 5), "old", 42L));
        assertThat(dev.cacheback.spi.EntryFormat.version(bytes)).isEqualTo(42L);
        assertThatThrownBy(() -> JobSettings.builder().refreshBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be below");
    }

    // ------------------------------------------------------------------ item 5: early refresh

    @Test
    void refreshAheadRefreshesOnceInTheLastFractionOfTheLifetimeAndTheHitStillAnswers() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("ahead").lifetime(Duration.ofSeconds(100))
                .refreshAhead(0.1).build());
        job.get("k");
        clock.advance(Duration.ofSeconds(89));
        assertThat(job.get("k")).isEqualTo("k#1");
        assertThat(queue.enqueuedCount()).isZero();
        clock.advance(Duration.ofSeconds(2));
        assertThat(job.get("k")).isEqualTo("k#1");
        assertThat(job.get("k")).isEqualTo("k#1");
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(events.count("early")).isEqualTo(2);
        assertThat(events.count("deduplicated")).isEqualTo(1);
        assertThat(events.count("hit")).isEqualTo(3);
        assertThat(job.rawGet("k").orElseThrow().expiry()).as("the expiry is left as it was")
                .isEqualTo(clock.instant().plusSeconds(9));
        queue.runPending();
        assertThat(job.get("k")).isEqualTo("k#2");
        assertThat(job.rawGet("k").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(100));
    }

    @Test
    void xfetchRefreshesEarlyWithTheProbabilityOfThePaperAndNeverFarFromExpiry() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("xfetch").lifetime(Duration.ofSeconds(100))
                .earlyRefreshBeta(1).build());
        dev.cacheback.spi.CacheBackend backend = cacheback.cache("default");
        dev.cacheback.spi.EntryCodec<String> codec = dev.cacheback.spi.EntryCodec.of(cacheback.codec(), String.class);
        for (int i = 0; i < 1000; i++) {
            backend.set(job.key("near" + i), new CacheEntry<>(clock.instant().plusMillis(1000), "v", CacheEntry.newVersion(), 0, 1000),
                    Duration.ofHours(1), codec);
            backend.set(job.key("far" + i), new CacheEntry<>(clock.instant().plusSeconds(20), "v", CacheEntry.newVersion(), 0, 1000),
                    Duration.ofHours(1), codec);
            backend.set(job.key("unknown" + i), new CacheEntry<>(clock.instant().plusMillis(1), "v", CacheEntry.newVersion()),
                    Duration.ofHours(1), codec);
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(job.get("far" + i)).isEqualTo("v");
            assertThat(job.get("unknown" + i)).isEqualTo("v");
        }
        assertThat(queue.enqueuedCount()).as("20 fetch times from expiry: P = e^-20").isZero();
        for (int i = 0; i < 1000; i++) {
            assertThat(job.get("near" + i)).isEqualTo("v");
        }
        // one fetch time from expiry with beta 1: P(-ln U >= 1) = 1/e = 0.368 (sd 0.015 over 1000 keys)
        assertThat(queue.enqueuedCount()).isBetween(300, 440);
        assertThat(events.count("hit")).isEqualTo(3000);
    }

    @Test
    void earlyRefreshSettingsAreValidated() {
        assertThatThrownBy(() -> JobSettings.builder().earlyRefreshBeta(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobSettings.builder().earlyRefreshBeta(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobSettings.builder().refreshAhead(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JobSettings.builder().refreshAhead(0.1).refreshAhead(0.2)).isInstanceOf(IllegalStateException.class);
        JobSettings s = JobSettings.builder().earlyRefreshBeta(1).refreshAhead(0.1).build().withName("copy");
        assertThat(s.earlyRefreshBeta()).isEqualTo(1);
        assertThat(s.refreshAhead()).isEqualTo(0.1);
        assertThat(JobSettings.defaults().earlyRefreshBeta()).isEqualTo(1.0);
        assertThat(JobSettings.builder().earlyRefreshBeta(0).build().withName("off").earlyRefreshBeta()).isZero();
    }
}

package dev.cacheback;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test (or more) per row of DESIGN.md's semantics table, on the in-memory backend and the manual queue. */
class JobSemanticsTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final RecordingListener events = new RecordingListener();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events).build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    /** Records every processResult call. */
    static final class Call {
        final String result;
        final CacheStatus status;
        final Boolean syncFetch;

        Call(String result, CacheStatus status, Boolean syncFetch) {
            this.result = result;
            this.status = status;
            this.syncFetch = syncFetch;
        }
    }

    class RecordingJob extends CountingJob {
        final List<Call> calls = new ArrayList<>();

        RecordingJob(JobSettings settings) {
            super(cacheback, settings);
        }

        @Override
        protected String processResult(String result, String args, CacheStatus status, Boolean syncFetch) {
            calls.add(new Call(result, status, syncFetch));
            return result;
        }

        Call last() {
            return calls.get(calls.size() - 1);
        }
    }

    private RecordingJob job(JobSettings.Builder settings) {
        return new RecordingJob(settings.name("job").build());
    }

    @Test
    void s1MissFetchesInTheCallersThreadAndStoresNowPlusLifetime() {
        RecordingJob job = job(JobSettings.builder().lifetime(Duration.ofSeconds(30)));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.last().status).isEqualTo(CacheStatus.MISS);
        assertThat(job.last().syncFetch).isTrue();
        assertThat(job.rawGet("a").map(JobSemanticsTest::unversioned)).contains(new CacheEntry<>(clock.instant().plusSeconds(30), "a#1"));
        assertThat(queue.enqueuedCount()).isZero();
    }

    @Test
    void s2MissWithoutFetchOnMissStoresEmptyUntilTheTimeoutAndEnqueuesOnce() {
        RecordingJob job = new RecordingJob(JobSettings.builder().name("async").fetchOnMiss(false)
                .refreshTimeout(Duration.ofSeconds(20)).build()) {
            @Override
            protected String empty() {
                return "(loading)";
            }
        };
        assertThat(job.get("a")).isEqualTo("(loading)");
        assertThat(job.last().status).isEqualTo(CacheStatus.MISS);
        assertThat(job.last().syncFetch).isFalse();
        assertThat(job.rawGet("a").map(JobSemanticsTest::unversioned)).contains(new CacheEntry<>(clock.instant().plusSeconds(20), "(loading)"));
        assertThat(job.fetches()).isZero();
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(job.get("a")).isEqualTo("(loading)");
        assertThat(job.last().status).isEqualTo(CacheStatus.HIT);
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        queue.runPending();
        assertThat(job.get("a")).isEqualTo("a#1");
    }

    @Test
    void s3HitReturnsStoredDataWithNullSyncFetchAndEnqueuesNothing() {
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(599));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.last().status).isEqualTo(CacheStatus.HIT);
        assertThat(job.last().syncFetch).isNull();
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(queue.enqueuedCount()).isZero();
    }

    @Test
    void s3AndS4TheBoundaryIsExactToTheNanosecond() {
        clock.set(Instant.parse("2030-01-01T00:00:00.000000500Z"));
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(600).minusNanos(1));
        job.get("a");
        assertThat(job.last().status).isEqualTo(CacheStatus.HIT);
        clock.advance(Duration.ofNanos(1));
        job.get("a");
        assertThat(job.last().status).isEqualTo(CacheStatus.STALE);
    }

    @Test
    void s4StaleDataIsServedReStoredUntilTheTimeoutAndOneTaskIsEnqueued() {
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(600));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.last().status).isEqualTo(CacheStatus.STALE);
        assertThat(job.last().syncFetch).isFalse();
        assertThat(job.rawGet("a").map(JobSemanticsTest::unversioned)).contains(new CacheEntry<>(clock.instant().plusSeconds(60), "a#1"));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.last().status).isEqualTo(CacheStatus.HIT);
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(job.get("a")).isEqualTo("a#2");
        assertThat(job.rawGet("a").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(600));
    }

    @Test
    void s4AfterTheRefreshTimeoutWithoutARefreshTheNextReadEnqueuesAgain() {
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(600));
        job.get("a");
        queue.clear();
        clock.advance(Duration.ofSeconds(60));
        job.get("a");
        assertThat(job.last().status).isEqualTo(CacheStatus.STALE);
        assertThat(queue.enqueuedCount()).isEqualTo(2);
    }

    @Test
    void s5TooStaleDataIsRefreshedSynchronously() {
        RecordingJob job = job(JobSettings.builder().lifetime(Duration.ofSeconds(100))
                .fetchOnStaleThreshold(Duration.ofSeconds(150)));
        job.get("a");
        job.get("b");
        clock.advance(Duration.ofSeconds(150));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.last().status).isEqualTo(CacheStatus.STALE);
        assertThat(job.last().syncFetch).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(job.get("b")).isEqualTo("b#3");
        assertThat(job.last().status).isEqualTo(CacheStatus.STALE);
        assertThat(job.last().syncFetch).isTrue();
        assertThat(job.rawGet("b").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(100));
        assertThat(queue.enqueuedCount()).isEqualTo(1);
    }

    @Test
    void s5DefaultRuleIsDeltaGreaterThanThresholdMinusLifetime() {
        RecordingJob job = job(JobSettings.builder().lifetime(Duration.ofSeconds(100))
                .fetchOnStaleThreshold(Duration.ofSeconds(150)));
        assertThat(job.shouldStaleItemBeFetchedSynchronously(Duration.ofSeconds(50), "a")).isFalse();
        assertThat(job.shouldStaleItemBeFetchedSynchronously(Duration.ofSeconds(51), "a")).isTrue();
        RecordingJob never = new RecordingJob(JobSettings.builder().name("never").build());
        assertThat(never.shouldStaleItemBeFetchedSynchronously(Duration.ofDays(365), "a")).isFalse();
    }

    @Test
    void s6InvalidateReStoresExistingEntryAndEnqueuesButDoesNothingWithoutOne() {
        RecordingJob job = job(JobSettings.builder());
        job.invalidate("none");
        assertThat(queue.enqueuedCount()).isZero();
        assertThat(job.rawGet("none")).isEmpty();
        job.get("a");
        job.invalidate("a");
        assertThat(job.rawGet("a").map(JobSemanticsTest::unversioned)).contains(new CacheEntry<>(clock.instant().plusSeconds(60), "a#1"));
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        queue.runPending();
        assertThat(job.get("a")).isEqualTo("a#2");
    }

    @Test
    void s6InvalidateAfterARefreshFinishedEnqueuesAgain() {
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        job.invalidate("a");
        queue.runPending();
        job.invalidate("a");
        assertThat(queue.enqueuedCount()).isEqualTo(2);
    }

    @Test
    void s7DeleteRemovesTheEntry() {
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        job.delete("a");
        assertThat(job.rawGet("a")).isEmpty();
        assertThat(job.get("a")).isEqualTo("a#2");
    }

    @Test
    void s8SetStoresFreshDataUntilExpiry() {
        RecordingJob job = job(JobSettings.builder().lifetime(Duration.ofSeconds(5)));
        job.set("a", "given");
        assertThat(job.rawGet("a").map(JobSemanticsTest::unversioned)).contains(new CacheEntry<>(clock.instant().plusSeconds(5), "given"));
        assertThat(job.get("a")).isEqualTo("given");
        assertThat(job.fetches()).isZero();
    }

    @Test
    void s9RawGetNeverFetchesNorEnqueues() {
        RecordingJob job = job(JobSettings.builder());
        assertThat(job.rawGet("a")).isEmpty();
        job.get("a");
        clock.advance(Duration.ofDays(1));
        assertThat(job.rawGet("a").map(JobSemanticsTest::unversioned)).contains(new CacheEntry<>(clock.instant().minus(Duration.ofDays(1)).plusSeconds(600), "a#1"));
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(queue.enqueuedCount()).isZero();
    }

    @Test
    void s10RefreshFetchesStoresAndReturns() {
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        assertThat(job.refresh("a")).isEqualTo("a#2");
        assertThat(job.rawGet("a").map(JobSemanticsTest::unversioned)).contains(new CacheEntry<>(clock.instant().plusSeconds(600), "a#2"));
        assertThat(job.calls).hasSize(1);
    }

    @Test
    void s11AsyncRefreshEnqueuesAndFallsBackToASynchronousRefreshWhenRefused() {
        RecordingJob job = job(JobSettings.builder());
        job.asyncRefresh("a");
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(job.fetches()).isZero();
        queue.refuseTasks(true);
        job.asyncRefresh("a");
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("a#1");
        assertThat(events.count("fallback")).isEqualTo(1);
    }

    @Test
    void s11WhenTheFallbackFailsTooItIsSwallowedAndNothingIsStored() {
        RecordingJob job = job(JobSettings.builder());
        queue.refuseTasks(true);
        job.failWith(new IllegalStateException("source down"));
        job.asyncRefresh("a");
        assertThat(job.rawGet("a")).isEmpty();
        assertThat(events.count("refresh.failed")).isEqualTo(1);
    }

    @Test
    void s11StaleReadWithARefusingQueueRefreshesSynchronouslyAndServesTheStaleValue() {
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(601));
        queue.refuseTasks(true);
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("a#2");
        queue.refuseTasks(false);
        clock.advance(Duration.ofSeconds(601));
        job.get("a");
        assertThat(queue.enqueuedCount()).isEqualTo(1);
    }

    @Test
    void s12AFailingRefreshInAWorkerIsReportedAndLeavesTheEntryAsItWas() {
        RecordingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(600));
        job.get("a");
        CacheEntry<String> before = job.rawGet("a").orElseThrow();
        job.failWith(new IllegalStateException("source down"));
        queue.runPending();
        assertThat(queue.results()).singleElement().extracting(TaskResult::outcome).isEqualTo(TaskResult.Outcome.FAILED);
        assertThat(job.rawGet("a")).contains(before);
        job.failWith(null);
        clock.advance(Duration.ofSeconds(60));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(queue.enqueuedCount()).isEqualTo(2);
        queue.runPending();
        assertThat(job.get("a")).isEqualTo("a#3");
    }

    @Test
    void s12ATaskNamingAnUnknownJobIsDroppedNotLoaded() {
        RecordingJob job = job(JobSettings.builder());
        job.asyncRefresh("a");
        var task = queue.pending().get(0);
        var foreign = new dev.cacheback.spi.RefreshTask("java.lang.Runtime", task.key(), task.args(), task.init(),
                task.options(), task.createdAt());
        TaskResult result = cacheback.runTask(foreign);
        assertThat(result.outcome()).isEqualTo(TaskResult.Outcome.UNKNOWN_JOB);
        assertThat(result.reason()).contains("java.lang.Runtime");
    }

    @Test
    void s12ATaskWithUnreadableArgumentsIsRejected() {
        RecordingJob job = job(JobSettings.builder());
        var bad = new dev.cacheback.spi.RefreshTask(job.name(), "job:x", "{not json".getBytes(), java.util.Map.of(),
                TaskOptions.none(), clock.instant());
        assertThat(cacheback.runTask(bad).outcome()).isEqualTo(TaskResult.Outcome.REJECTED);
        assertThat(job.fetches()).isZero();
    }

    @Test
    void s12ATaskWhoseArgumentsTheJobRefusesIsRejectedNotThrown() {
        CountingJob strict = new CountingJob(cacheback, JobSettings.builder().name("strict").build()) {
            @Override
            public String key(String args) {
                if (args.isEmpty()) {
                    throw new IllegalArgumentException("empty argument");
                }
                return "strict:" + args;
            }
        };
        var task = new dev.cacheback.spi.RefreshTask(strict.name(), "strict:", "\"\"".getBytes(), java.util.Map.of(),
                TaskOptions.none(), clock.instant());
        TaskResult result = cacheback.runTask(task);
        assertThat(result.outcome()).isEqualTo(TaskResult.Outcome.REJECTED);
        assertThat(result.reason()).contains("empty argument");
    }

    @Test
    void s14CacheAliasSelectsANamedCacheAndUnsetMeansTheDefault() {
        CacheBackend other = CacheBackend.inMemory();
        try (Cacheback two = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue())
                .cache("default", CacheBackend.inMemory()).cache("other", other).build()) {
            CountingJob onOther = new CountingJob(two, JobSettings.builder().name("j").cacheAlias("other").build());
            onOther.get("a");
            assertThat(onOther.cacheAlias()).isEqualTo("other");
            assertThat(two.cache("default").get(onOther.key("a"), dev.cacheback.spi.EntryCodec.of(two.codec(), String.class))).isNull();
            assertThat(other.get(onOther.key("a"), dev.cacheback.spi.EntryCodec.of(two.codec(), String.class))).isNotNull();
            CountingJob onDefault = new CountingJob(two, JobSettings.builder().name("d").build());
            onDefault.get("a");
            assertThat(two.cache("default").get(onDefault.key("a"), dev.cacheback.spi.EntryCodec.of(two.codec(), String.class))).isNotNull();
        }
    }

    @Test
    void s14AnUnknownAliasIsRefusedWhenTheJobIsMade() {
        assertThatThrownBy(() -> new CountingJob(cacheback, JobSettings.builder().name("j").cacheAlias("nope").build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope").hasMessageContaining("default");
    }

    @Test
    void s14TheDefaultAliasIsConfigurable() {
        try (Cacheback custom = Cacheback.builder().defaultAlias("main").cache("main", CacheBackend.inMemory())
                .queue(new ManualRefreshQueue()).build()) {
            assertThat(custom.defaultAlias()).isEqualTo("main");
            CountingJob job = new CountingJob(custom, JobSettings.builder().name("j").build());
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(job.get("a")).isEqualTo("a#1");
        }
    }

    @Test
    void s16ExpiryAndTimeoutComeFromTheRuntimeClock() {
        RecordingJob job = job(JobSettings.builder().lifetime(Duration.ofSeconds(7)).refreshTimeout(Duration.ofSeconds(3)));
        Instant now = clock.instant();
        assertThat(job.expiry("a")).isEqualTo(now.plusSeconds(7));
        assertThat(job.timeout("a")).isEqualTo(now.plusSeconds(3));
        clock.advance(Duration.ofHours(1));
        assertThat(job.expiry("a")).isEqualTo(now.plusSeconds(3600 + 7));
    }

    @Test
    void s17DefaultsAreTheSeeds() {
        RecordingJob job = new RecordingJob(JobSettings.defaults());
        assertThat(job.lifetime()).isEqualTo(Duration.ofSeconds(600));
        assertThat(job.refreshTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(job.cacheTtl()).isEqualTo(Duration.ofSeconds(2_592_000));
        assertThat(job.fetchOnMiss()).isTrue();
        assertThat(job.fetchOnStaleThreshold()).isNull();
        assertThat(job.taskOptions()).isEqualTo(TaskOptions.none());
        assertThat(job.empty()).isNull();
        assertThat(job.cacheAlias()).isNull();
        assertThat(job.name()).isEqualTo(RecordingJob.class.getName());
    }

    @Test
    void s17EntriesDisappearAfterCacheTtl() {
        RecordingJob job = job(JobSettings.builder().cacheTtl(Duration.ofHours(1)));
        job.get("a");
        clock.advance(Duration.ofMinutes(59));
        assertThat(job.rawGet("a")).isPresent();
        clock.advance(Duration.ofMinutes(2));
        assertThat(job.rawGet("a")).isEmpty();
    }

    @Test
    void s18TaskOptionsTravelWithTheTask() {
        TaskOptions options = TaskOptions.builder().queue("reports").priority(5).delay(Duration.ofSeconds(2))
                .expiration(Duration.ofMinutes(1)).build();
        RecordingJob job = job(JobSettings.builder().taskOptions(options));
        job.asyncRefresh("a");
        assertThat(queue.pending().get(0).options()).isEqualTo(options);
    }

    @Test
    void settingsCanBeFixedPerClassByOverridingAndPerInstanceBySettings() {
        class Short extends CountingJob {
            Short(JobSettings settings) {
                super(cacheback, settings);
            }

            @Override
            public Duration lifetime() {
                return Duration.ofSeconds(1);
            }
        }
        Short job = new Short(JobSettings.builder().name("short").lifetime(Duration.ofSeconds(100))
                .refreshTimeout(Duration.ofSeconds(9)).build());
        assertThat(job.lifetime()).isEqualTo(Duration.ofSeconds(1));
        assertThat(job.refreshTimeout()).isEqualTo(Duration.ofSeconds(9));
        job.get("a");
        assertThat(job.rawGet("a").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(1));
    }

    @Test
    void aFailingSynchronousFetchReachesTheCallerAndStoresNothing() {
        RecordingJob job = job(JobSettings.builder());
        job.failWith(new IllegalStateException("source down"));
        assertThatThrownBy(() -> job.get("a")).isInstanceOf(IllegalStateException.class).hasMessage("source down");
        assertThat(job.rawGet("a")).isEmpty();
    }

    @Test
    void aCheckedFetchExceptionIsWrappedInFetchException() {
        Job<String, String> job = new Job<>(cacheback, JobSettings.builder().name("checked").build()) {
            @Override
            protected String fetch(String args) throws IOException {
                throw new IOException("disk gone");
            }
        };
        assertThatThrownBy(() -> job.get("a")).isInstanceOf(FetchException.class)
                .hasCauseInstanceOf(IOException.class).hasMessageContaining("checked").hasMessageContaining("disk gone");
        assertThat(job.rawGet("a")).isEmpty();
    }

    @Nested
    class NoArgumentJobs {
        final Job<Void, String> job = new Job<>(cacheback, JobSettings.builder().name("noargs").build()) {
            int n;

            @Override
            protected String fetch(Void args) {
                return "v" + (++n);
            }
        };

        @Test
        void useGetWithoutArgumentsAndTheirNameAsKey() {
            assertThat(job.get()).isEqualTo("v1");
            assertThat(job.get()).isEqualTo("v1");
            assertThat(job.key(null)).isEqualTo("noargs");
            job.set("given");
            assertThat(job.get()).isEqualTo("given");
            job.invalidate();
            queue.runPending();
            assertThat(job.get()).isEqualTo("v2");
            job.delete();
            assertThat(job.rawGet()).isEmpty();
        }

        @Test
        void argumentJobsRefuseTheNoArgumentForms() {
            RecordingJob withArgs = job(JobSettings.builder());
            assertThatThrownBy(withArgs::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("get(args)");
            assertThatThrownBy(() -> withArgs.get(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("args");
            assertThatThrownBy(() -> withArgs.set("x")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("set(args, data)");
        }
    }

    /** The entry without its version, which is random: for comparing expiry and data. */
    static <V> CacheEntry<V> unversioned(CacheEntry<V> entry) {
        return new CacheEntry<>(entry.expiry(), entry.data());
    }
}

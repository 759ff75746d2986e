package dev.cacheback;

import ch.qos.logback.classic.Level;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.ServerBreaker;
import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ForwardingCacheBackend;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * DESIGN.md F1–F4 in core, on the manual queue and the test clock: owned leases, fenced writes, the
 * worker engine's retry policy and dead letters, and the smaller rules the fleet issue found broken.
 */
class FleetRulesTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final RecordingListener events = new RecordingListener();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events)
            .retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofSeconds(1)).jitter(0).build())
            .build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    private CountingJob job(String name) {
        return new CountingJob(cacheback, JobSettings.builder().name(name).lifetime(Duration.ofMinutes(1)).build());
    }

    // ------------------------------------------------------------------ F1 owned lease

    @Test
    void f1TheTaskCarriesTheLeaseTokenAndTheWorkerReleasesExactlyThatLease() {
        CountingJob job = job("lease");
        job.get("a");
        clock.advance(Duration.ofMinutes(2));
        job.get("a");
        RefreshTask task = queue.pending().get(0);
        assertThat(task.leaseToken()).isNotNull();
        CacheBackend cache = cacheback.cache("default");
        assertThat(cache.tryLease(job.key("a"), Duration.ofMinutes(1))).as("held by the task").isNull();
        queue.runPending();
        assertThat(cache.tryLease(job.key("a"), Duration.ofMinutes(1))).as("released by the worker").isNotNull();
    }

    @Test
    void f1ATaskWhoseLeaseExpiredAndWasRetakenIsSkippedAndReleasesNothing() {
        CountingJob job = job("retaken");
        job.get("a");
        clock.advance(Duration.ofMinutes(2));
        job.get("a");
        clock.advance(job.refreshTimeout().plusSeconds(1)); // the task waited past its lease
        job.get("a"); // stale again: a second lease and a second task
        assertThat(queue.pending()).hasSize(2);
        String second = queue.pending().get(1).leaseToken();
        queue.runPending();
        assertThat(queue.results()).extracting(TaskResult::outcome)
                .containsExactly(TaskResult.Outcome.SKIPPED, TaskResult.Outcome.DONE);
        assertThat(job.fetches()).isEqualTo(2);
        assertThat(cacheback.cache("default").releaseLease(job.key("a"), second)).as("the second task released its own").isFalse();
    }

    @Test
    void f1AnAsyncRefreshTakesNoLeaseAndReleasesNone() {
        CountingJob job = job("async");
        job.get("a");
        CacheBackend cache = cacheback.cache("default");
        String someoneElse = cache.tryLease(job.key("a"), Duration.ofMinutes(1));
        job.asyncRefresh("a");
        assertThat(queue.pending().get(0).leaseToken()).isNull();
        queue.runPending();
        assertThat(cache.releaseLease(job.key("a"), someoneElse)).as("the other holder's lease is intact").isTrue();
    }

    // ------------------------------------------------------------------ F2 fenced writes

    @Test
    void f2ASetLandingJustBeforeTheStaleEntryIsMarkedWins() {
        Runnable[] beforeConditionalWrite = {null};
        CacheBackend hooked = new ForwardingCacheBackend(CacheBackend.inMemory()) {
            @Override
            protected void before(String operation) {
                Runnable hook = beforeConditionalWrite[0];
                if (operation.equals("tryLeaseAndSetIfVersion") && hook != null) {
                    beforeConditionalWrite[0] = null;
                    hook.run();
                }
            }
        };
        ManualRefreshQueue tasks = new ManualRefreshQueue();
        try (Cacheback runtime = Cacheback.builder().clock(clock).cache("default", hooked).queue(tasks).build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name("mark").lifetime(Duration.ofMinutes(1)).build());
            job.get("a");
            clock.advance(Duration.ofMinutes(2));
            beforeConditionalWrite[0] = () -> job.set("a", "from set");
            assertThat(job.get("a")).as("the reader still gets the stale data it read").isEqualTo("a#1");
            assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("from set");
            assertThat(tasks.pending()).as("no refresh over the newer entry").isEmpty();
            assertThat(hooked.tryLease(job.key("a"), Duration.ofSeconds(1))).as("lease given back").isNotNull();
        }
    }

    @Test
    void f2ASynchronousMissDoesNotOverwriteASetMadeWhileItFetched() throws Exception {
        CountingJob job = job("miss-fence");
        job.closeGate();
        Thread caller = new Thread(() -> job.get("a"));
        caller.start();
        org.awaitility.Awaitility.await().until(() -> job.fetchesInFlight() == 1);
        job.set("a", "from set");
        job.openGate();
        caller.join(10_000);
        assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("from set");
        assertThat(events.count("superseded")).isEqualTo(1);
    }

    // ------------------------------------------------------------------ F3 one outcome policy

    @Test
    void f3AFailedRefreshIsRetriedAfterItsBackoffOnTheClockThenDeadLetteredWithItsReason() {
        CountingJob job = job("retry");
        job.get("a");
        job.failWith(new IllegalStateException("source down"));
        job.asyncRefresh("a");
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(queue.runPending()).as("the retry is not due before its backoff").isZero();
        clock.advance(Duration.ofMillis(999));
        assertThat(queue.runPending()).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(queue.runPending()).as("due after 1 s").isEqualTo(1);
        clock.advance(Duration.ofMillis(1_999));
        assertThat(queue.runPending()).isZero();
        clock.advance(Duration.ofMillis(1));
        assertThat(queue.runPending()).as("due after 2 s more").isEqualTo(1);
        assertThat(queue.decisions()).containsExactly(WorkerEngine.Decision.RETRY_SCHEDULED,
                WorkerEngine.Decision.RETRY_SCHEDULED, WorkerEngine.Decision.DEAD_LETTERED);
        assertThat(queue.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.attempts()).isEqualTo(3);
            assertThat(d.reason()).contains("failed 3 times").contains("source down");
        });
        assertThat(job.fetches()).isEqualTo(4);
        assertThat(job.rawGet("a").orElseThrow().data()).as("the entry is left as it was").isEqualTo("a#1");
    }

    @Test
    void f3ARetryThatSucceedsStoresAndIsAcknowledged() {
        CountingJob job = job("retry-ok");
        job.get("a");
        job.failNext(1);
        job.asyncRefresh("a");
        queue.runPending();
        clock.advance(Duration.ofSeconds(1));
        queue.runPending();
        assertThat(queue.decisions()).containsExactly(WorkerEngine.Decision.RETRY_SCHEDULED, WorkerEngine.Decision.ACKNOWLEDGED);
        assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("a#3");
        assertThat(queue.deadLetters()).isEmpty();
    }

    @Test
    void f3TheBackoffGrowsExponentiallyWithJitterAndIsCapped() {
        RetryPolicy policy = RetryPolicy.defaults();
        assertThat(policy.maxAttempts()).isEqualTo(5);
        assertThat(policy.backoff(1, 0.5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(2, 0.5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.backoff(4, 0.5)).isEqualTo(Duration.ofSeconds(8));
        assertThat(policy.backoff(4, 0.0)).isEqualTo(Duration.ofMillis(6_400));
        assertThat(policy.backoff(4, 0.999_999)).isBetween(Duration.ofMillis(9_599), Duration.ofMillis(9_600));
        assertThat(policy.backoff(40, 0.5)).isEqualTo(Duration.ofMinutes(5));
        assertThat(policy.backoff(40, 0.999)).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofMinutes(10)).maxBackoff(Duration.ofMinutes(1)).build())
                .hasMessageContaining("must not be shorter");
    }

    @Test
    void f3AMalformedDeliveryIsDeadLetteredAndAForgedJobNameCannotForgeALogLine() {
        try (LogCapture log = new LogCapture(Level.DEBUG)) {
            TaskResult result = cacheback.runTask(new RefreshTask("evil\n2026-01-01 ERROR forged", "k", new byte[0],
                    Map.of(), TaskOptions.none(), clock.instant()));
            assertThat(result.outcome()).isEqualTo(TaskResult.Outcome.UNKNOWN_JOB);
            assertThat(log.lines(Level.ERROR)).allSatisfy(line -> assertThat(line).doesNotContain("\n").contains("\\u000A"));
        }
    }

    // ------------------------------------------------------------------ smaller rules

    @Test
    void taskOptionsFromAnOverrideTheQueueDoesNotHonourMakeAStaleReadRefreshInlineNotThrow() {
        try (Cacheback runtime = Cacheback.builder().clock(clock).queue(dev.cacheback.spi.RefreshQueue.inProcess(Runnable::run)).build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name("override").lifetime(Duration.ofMinutes(1)).build()) {
                @Override
                public TaskOptions taskOptions() {
                    return TaskOptions.builder().priority(9).build();
                }
            };
            job.get("a");
            clock.advance(Duration.ofMinutes(2));
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(job.fetches()).as("refreshed inline instead").isEqualTo(2);
            assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("a#2");
        }
    }

    @Test
    void anExpirationBeyondTheRepresentableInstantsNeverExpiresATask() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("forever").lifetime(Duration.ofMinutes(1))
                .taskOptions(TaskOptions.builder().expiration(ChronoUnit.FOREVER.getDuration()).build()).build());
        job.get("a");
        job.asyncRefresh("a");
        queue.runPending();
        assertThat(queue.results()).extracting(TaskResult::outcome).containsExactly(TaskResult.Outcome.DONE);
        assertThat(job.fetches()).isEqualTo(2);
    }

    @Test
    void twoJobsWithDifferentSettingsCannotShareAName() {
        new CountingJob(cacheback, JobSettings.builder().name("shared-name").lifetime(Duration.ofMinutes(1)).build());
        new CountingJob(cacheback, JobSettings.builder().name("shared-name").lifetime(Duration.ofMinutes(1)).build());
        assertThatThrownBy(() -> new CountingJob(cacheback, JobSettings.builder().name("shared-name")
                .lifetime(Duration.ofMinutes(5)).build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shared-name").hasMessageContaining("JobSettings.builder().name(");
    }

    static final class ThreadJob extends Job<Thread, String> {
        ThreadJob(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().name("thread").build());
        }

        @Override
        protected String fetch(Thread args) {
            return args.getName();
        }
    }

    static final class BeanJob extends Job<List<MutableBean>, String> {
        BeanJob(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().name("bean").build());
        }

        @Override
        protected String fetch(List<MutableBean> args) {
            return "x";
        }
    }

    static final class MutableBean {
        private String name;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }

    record Query(String text, List<Integer> pages) {
    }

    static final class RecordJob extends Job<Query, String> {
        RecordJob(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().name("record").build());
        }

        @Override
        protected String fetch(Query args) {
            return args.text();
        }
    }

    @Test
    void argumentTypesWhoseJsonCanChangeUnderTheCallerAreRefusedAtConstruction() {
        assertThatThrownBy(() -> new ThreadJob(cacheback)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Thread").hasMessageContaining("record");
        assertThatThrownBy(() -> new BeanJob(cacheback)).hasMessageContaining("MutableBean");
        assertThat(new RecordJob(cacheback).get(new Query("q", List.of(1, 2)))).isEqualTo("q");
    }

    @Test
    void aCacheThatAlternatesBetweenFailingAndAnsweringLogsAtMostTwoLinesPerInterval() {
        CacheBackend flapping = new ForwardingCacheBackend(CacheBackend.inMemory()) {
            private int calls;

            @Override
            protected synchronized void before(String operation) {
                if (operation.equals("get") && calls++ % 2 == 0) {
                    throw new CacheBackendException("node 2 of 2 is down (test)");
                }
            }
        };
        try (LogCapture log = new LogCapture(Level.INFO);
             Cacheback runtime = Cacheback.builder().clock(clock).cache("default", flapping).queue(new ManualRefreshQueue())
                     .errorLogInterval(Duration.ofSeconds(30)).build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name("flap").build());
            for (int i = 0; i < 1_000; i++) {
                job.get("k" + (i % 10));
            }
            assertThat(log.events(Level.ERROR)).hasSize(1);
            assertThat(log.lines(Level.INFO).stream().filter(l -> l.contains("answers again"))).hasSize(1);
            clock.advance(Duration.ofSeconds(31));
            for (int i = 0; i < 1_000; i++) {
                job.get("k" + (i % 10));
            }
            assertThat(log.events(Level.ERROR)).hasSize(2);
        }
    }

    @Test
    void theBreakerFailsFastAfterAFailureLetsOneProbeThroughAndClosesWhenItAnswers() {
        ServerBreaker breaker = new ServerBreaker("redis://test:6379", clock, Duration.ofSeconds(1));
        assertThat(breaker.allow()).isTrue();
        breaker.failed(new CacheBackendException("timed out"));
        assertThat(breaker.allow()).isFalse();
        assertThat(breaker.openMessage()).contains("redis://test:6379").contains("not answering");
        clock.advance(Duration.ofSeconds(1));
        assertThat(breaker.allow()).as("one probe").isTrue();
        assertThat(breaker.allow()).as("only one").isFalse();
        breaker.failed(new CacheBackendException("timed out again"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(breaker.allow()).isTrue();
        breaker.succeeded();
        assertThat(breaker.allow()).isTrue();
        assertThat(breaker.isOpen()).isFalse();
    }

    @Test
    void theLauncherRedactsCredentials() {
        assertThat(WorkerLauncher.redact("bad uri redis://user:s3cret@host:6379/0 and amqp://guest:guest@mq/%2F"))
                .isEqualTo("bad uri redis://***@host:6379/0 and amqp://***@mq/%2F");
    }
}

package dev.cacheback;

import dev.cacheback.spi.DeadLetter;
import dev.cacheback.spi.QueueState;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 16 item 4: {@link Job#state()} and {@link Cacheback#state()}, on the test clock and the manual queue. */
class FleetStateTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue)
            .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofSeconds(1)).jitter(0).build())
            .build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    private CountingJob job(String name) {
        return new CountingJob(cacheback, JobSettings.builder().name(name).lifetime(Duration.ofMinutes(1)).build());
    }

    @Test
    void readsAreCountedAsHitsStaleAndMissesAcrossJobsMadePerRequest() {
        job("quotes").get("a");                 // miss
        job("quotes").get("a");                 // hit
        job("quotes").get("a");                 // hit
        clock.advance(Duration.ofMinutes(2));
        CountingJob last = job("quotes");
        last.get("a");                          // stale
        JobState state = last.state();
        assertThat(state.name()).isEqualTo("quotes");
        assertThat(state.misses()).isEqualTo(1);
        assertThat(state.hits()).isEqualTo(2);
        assertThat(state.stale()).isEqualTo(1);
        assertThat(state.refreshesInFlight()).isZero();
        assertThat(state.refreshFailures()).isZero();
        assertThat(state.lastErrors()).isEmpty();
        assertThat(state.backoff()).isNull();
        assertThat(state.breaker()).isNull();
        assertThat(job("other").state().hits()).isZero();
    }

    @Test
    void getManyCountsEachKeyAsItsOwnRead() {
        CountingJob job = job("many");
        job.get("a");                                           // miss
        clock.advance(Duration.ofSeconds(30));
        job.get("b");                                           // miss
        clock.advance(Duration.ofSeconds(40));                  // a is stale, b fresh
        job.getMany(List.of("a", "b", "c"));                    // stale, hit, miss
        JobState state = job.state();
        assertThat(state.misses()).isEqualTo(3);
        assertThat(state.hits()).isEqualTo(1);
        assertThat(state.stale()).isEqualTo(1);
    }

    @Test
    void aFetchRunningNowIsInFlight() {
        AtomicReference<JobState> during = new AtomicReference<>();
        Job<String, String> job = new Job<>(cacheback, JobSettings.builder().name("inflight").build()) {
            @Override
            protected String fetch(String args) {
                during.set(state());
                return args;
            }
        };
        job.get("x");
        assertThat(during.get().refreshesInFlight()).isEqualTo(1);
        assertThat(job.state().refreshesInFlight()).isZero();
    }

    @Test
    void theLatestTenErrorsAreKeptEscapedWithTheirKeyAndTime() {
        CountingJob job = job("failing");
        job.failWith(new IllegalStateException("source down\n[forged] line"));
        for (int i = 0; i < 12; i++) {
            clock.advance(Duration.ofSeconds(1));
            try {
                job.get("k" + i);
            } catch (IllegalStateException expected) {
                // a synchronous miss answers the fetch's exception
            }
        }
        JobState state = job.state();
        assertThat(state.refreshFailures()).isEqualTo(12);
        assertThat(state.lastErrors()).hasSize(JobState.ERRORS_KEPT);
        JobState.Error newest = state.lastErrors().get(JobState.ERRORS_KEPT - 1);
        assertThat(newest.key()).isEqualTo(job.key("k11"));
        assertThat(newest.at()).isEqualTo(clock.instant());
        assertThat(newest.message()).contains("source down\\u000A[forged] line").doesNotContain("\n");
        assertThat(state.lastErrors().get(0).key()).isEqualTo(job.key("k2"));
    }

    @Test
    void aQueueThatRefusesIsAnErrorOfTheJob() {
        CountingJob job = job("refused");
        queue.refuseTasks(true);
        job.asyncRefresh("q");
        assertThat(job.state().lastErrors()).singleElement().extracting(JobState.Error::message).asString()
                .contains("enqueue failed on manual");
    }

    @Test
    void theSourceBreakerIsReportedWhenTheJobHasOne() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("breaker")
                .sourceBreaker(2, Duration.ofMinutes(1)).build());
        assertThat(job.state().breaker()).isEqualTo(new JobState.Breaker(SourceState.CLOSED, 0, null, ""));
        job.failWith(new IllegalStateException("db down"));
        for (int i = 0; i < 2; i++) {
            try {
                job.get("b" + i);
            } catch (IllegalStateException expected) {
                // counted by the breaker
            }
        }
        JobState.Breaker breaker = job.state().breaker();
        assertThat(breaker.state()).isEqualTo(SourceState.OPEN);
        assertThat(breaker.failures()).isEqualTo(2);
        assertThat(breaker.nextProbe()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
        assertThat(breaker.lastFailure()).contains("db down");
    }

    @Test
    void aRefreshPutOnItsKeysBackoffIsCounted() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("backoff").lifetime(Duration.ofMinutes(1))
                .refreshBackoff(Duration.ofSeconds(10), Duration.ofMinutes(5)).build());
        job.get("b");
        assertThat(job.state().backoff()).isEqualTo(new JobState.Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), 0, null));
        job.failWith(new IllegalStateException("flaky"));
        job.asyncRefresh("b");
        queue.runPending();
        JobState.Backoff backoff = job.state().backoff();
        assertThat(backoff.backedOff()).isEqualTo(1);
        assertThat(backoff.lastUntil()).isAfter(clock.instant().plusSeconds(7)).isBefore(clock.instant().plusSeconds(13));
    }

    @Test
    void aReadAnsweredStaleIfErrorThatBacksItsKeyOffIsCountedToo() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("failsafe").lifetime(Duration.ofMinutes(1))
                .fetchOnStaleThreshold(Duration.ofMinutes(2)).failSafeMaxStaleness(Duration.ofHours(1))
                .refreshBackoff(Duration.ofSeconds(10), Duration.ofMinutes(5)).build());
        job.get("s");
        clock.advance(Duration.ofMinutes(5));
        job.failWith(new IllegalStateException("flaky"));
        assertThat(job.get("s")).isEqualTo("s#1");                 // stale-if-error
        JobState state = job.state();
        assertThat(state.stale()).isEqualTo(1);
        assertThat(state.refreshFailures()).isEqualTo(1);
        assertThat(state.backoff().backedOff()).isEqualTo(1);
        assertThat(state.backoff().lastUntil()).isAfter(clock.instant());
    }

    @Test
    void theRuntimeReportsEveryJobAndTheQueueWithItsDeadLetters() {
        CountingJob b = job("b-job");
        CountingJob a = job("a-job");
        a.failWith(new IllegalStateException("nope"));
        a.asyncRefresh("x");
        b.asyncRefresh("y");
        assertThat(cacheback.state().queues()).containsExactly(new QueueState("manual", 2, 0, 0, 0));
        queue.runPending();                      // a fails once: retry due in 1 s; b refreshed
        assertThat(cacheback.state().queues()).containsExactly(new QueueState("manual", 0, 1, 0, 0));
        clock.advance(Duration.ofSeconds(1));
        queue.runPending();                      // a fails again: dead-lettered
        FleetState fleet = cacheback.state();
        assertThat(fleet.at()).isEqualTo(clock.instant());
        assertThat(fleet.jobs()).extracting(JobState::name).containsExactly("a-job", "b-job");
        assertThat(fleet.queue()).isEqualTo("manual");
        assertThat(fleet.queueError()).isNull();
        assertThat(fleet.queues()).containsExactly(new QueueState("manual", 0, 0, 0, 1));
        DeadLetter dead = queue.deadLetters(10).get(0);
        assertThat(dead).isEqualTo(new DeadLetter("1", "manual", "a-job", a.key("x"), dead.reason(), 2, clock.instant()));
        assertThat(dead.reason()).startsWith("failed 2 times: ").contains("nope");

        a.failWith(null);
        assertThat(queue.requeue("1")).isTrue();
        assertThat(queue.requeue("1")).isFalse();
        assertThat(queue.pendingDeliveries()).singleElement().satisfies(p -> {
            assertThat(p.attempt()).isEqualTo(1);
            assertThat(p.task().createdAt()).isEqualTo(clock.instant());
            assertThat(p.task().leaseToken()).isNull();
        });
        queue.runPending();
        assertThat(a.rawGet("x")).isPresent();
        assertThat(cacheback.state().queues()).containsExactly(new QueueState("manual", 0, 0, 0, 0));
    }

    @Test
    void aQueueWhoseStateCannotBeReadLeavesTheRestReadable() {
        RefreshQueue down = new RefreshQueue() {
            @Override
            public void open(dev.cacheback.spi.QueueContext context) {
            }

            @Override
            public boolean enqueue(dev.cacheback.spi.RefreshTask task) {
                return true;
            }

            @Override
            public void validate(TaskOptions options) {
            }

            @Override
            public List<QueueState> state() {
                throw new RefreshQueueException("broker\ndown");
            }

            @Override
            public void close() {
            }
        };
        try (Cacheback runtime = Cacheback.builder().clock(clock).queue(down).build()) {
            new CountingJob(runtime, JobSettings.builder().name("j").build()).get("x");
            FleetState fleet = runtime.state();
            assertThat(fleet.jobs()).singleElement().extracting(JobState::misses).isEqualTo(1L);
            assertThat(fleet.queues()).isEmpty();
            assertThat(fleet.queueError()).isEqualTo("broker\\u000Adown");
            assertThat(down.deadLetters(5)).isEmpty();
            assertThat(down.requeue("1")).isFalse();
            assertThat(down.requeueAll()).isZero();
        }
    }

    /** The hit path's one counter increment allocates nothing: measured per thread, not timed. */
    @Test
    void countingAHitAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Cacheback runtime = Cacheback.builder().build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name("alloc").build());
            job.get("hot");
            long id = Thread.currentThread().getId();
            for (int round = 0; ; round++) {
                for (int i = 0; i < 200_000; i++) {
                    job.get("hot");
                }
                long before = threads.getThreadAllocatedBytes(id);
                for (int i = 0; i < 100_000; i++) {
                    job.get("hot");
                }
                long perHit = (threads.getThreadAllocatedBytes(id) - before) / 100_000;
                if (perHit == 0 || round == 4) {
                    assertThat(perHit).as("bytes allocated per in-memory hit").isZero();
                    break;
                }
            }
            assertThat(job.state().hits()).isGreaterThanOrEqualTo(300_000);
        }
    }
}

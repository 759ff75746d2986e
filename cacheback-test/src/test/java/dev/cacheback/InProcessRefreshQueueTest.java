package dev.cacheback;

import dev.cacheback.internal.InProcessRefreshQueue;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The in-process queue's own rules, on an executor the test drives by hand. */
class InProcessRefreshQueueTest {

    private final TestClock clock = new TestClock();
    private final StepExecutor executor = new StepExecutor();
    private final RecordingListener events = new RecordingListener();
    private Cacheback cacheback;

    private CountingJob job(RefreshQueue queue) {
        cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events).build();
        return new CountingJob(cacheback, JobSettings.builder().name("q").build());
    }

    @AfterEach
    void close() {
        if (cacheback != null) {
            cacheback.close();
        }
    }

    @Test
    void aKeyAlreadyWaitingIsNotQueuedTwice() {
        InProcessRefreshQueue queue = new InProcessRefreshQueue(executor, 100, false);
        CountingJob job = job(queue);
        job.asyncRefresh("a");
        job.asyncRefresh("a");
        job.asyncRefresh("b");
        assertThat(executor.waiting).hasSize(2);
        assertThat(queue.droppedCount()).isEqualTo(1);
        assertThat(events.dropReasons()).containsExactly("a refresh of this key is already waiting");
        executor.runAll();
        assertThat(job.fetches()).isEqualTo(2);
    }

    @Test
    void aKeyRefreshedRightNowGetsExactlyOneFollowUpRun() {
        InProcessRefreshQueue queue = new InProcessRefreshQueue(executor, 100, false);
        CountingJob job = new CountingJob(Cacheback.builder().clock(clock).queue(queue).listener(events).build(),
                JobSettings.builder().name("follow").build()) {
            boolean reentered;

            @Override
            protected String fetch(String args) throws Exception {
                if (!reentered) {
                    reentered = true;
                    asyncRefresh(args);   // arrives while this refresh runs: an invalidation must not be lost
                    asyncRefresh(args);   // a second one while the follow-up waits is a duplicate
                }
                return super.fetch(args);
            }
        };
        cacheback = job.cacheback();
        job.asyncRefresh("a");
        executor.runAll();
        assertThat(job.fetches()).isEqualTo(2);
        assertThat(queue.droppedCount()).isEqualTo(1);
        assertThat(queue.size()).isZero();
    }

    @Test
    void pastCapacityTasksAreDroppedAndCountedWithoutBlocking() {
        InProcessRefreshQueue queue = new InProcessRefreshQueue(executor, 2, false);
        CountingJob job = job(queue);
        job.asyncRefresh("a");
        job.asyncRefresh("b");
        job.asyncRefresh("c");
        assertThat(executor.waiting).hasSize(2);
        assertThat(queue.droppedCount()).isEqualTo(1);
        assertThat(events.dropReasons()).singleElement().asString().contains("full");
        executor.runAll();
        job.asyncRefresh("c");
        assertThat(executor.waiting).hasSize(1);
        executor.runAll();
    }

    @Test
    void anExecutorThatRejectsMakesADropNotAnError() {
        InProcessRefreshQueue queue = new InProcessRefreshQueue(command -> {
            throw new java.util.concurrent.RejectedExecutionException("saturated");
        }, 10, false);
        CountingJob job = job(queue);
        job.asyncRefresh("a");
        assertThat(queue.droppedCount()).isEqualTo(1);
        assertThat(job.fetches()).isZero();
        assertThat(events.dropReasons()).singleElement().asString().contains("saturated");
    }

    @Test
    void tasksNotStartedWhenTheQueueClosesAreDroppedAndLaterOnesRefused() {
        InProcessRefreshQueue queue = new InProcessRefreshQueue(executor, 10, false);
        CountingJob job = job(queue);
        job.asyncRefresh("a");
        Thread closer = new Thread(queue::close);
        closer.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> closer.getState() == Thread.State.TIMED_WAITING);
        executor.runAll();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !closer.isAlive());
        assertThat(job.fetches()).isZero();
        assertThat(events.dropReasons()).singleElement().asString().contains("closed");
        assertThatThrownBy(() -> queue.enqueue(new dev.cacheback.spi.RefreshTask("q", "q:x", new byte[0],
                java.util.Map.of(), TaskOptions.none(), clock.instant()))).isInstanceOf(RefreshQueueException.class);
    }

    @Test
    void expiredTasksAreDroppedWhenTheyStart() {
        InProcessRefreshQueue queue = new InProcessRefreshQueue(executor, 10, false);
        cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events).build();
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("exp")
                .taskOptions(TaskOptions.builder().expiration(Duration.ofSeconds(5)).build()).build());
        job.asyncRefresh("a");
        clock.advance(Duration.ofSeconds(6));
        executor.runAll();
        assertThat(job.fetches()).isZero();
        assertThat(events.dropReasons()).singleElement().asString().contains("expired");
    }

    @Test
    void optionsItDoesNotHonourAreRefusedWhenTheJobIsMade() {
        cacheback = Cacheback.builder().clock(clock).queue(new InProcessRefreshQueue(executor, 10, false)).build();
        assertThatThrownBy(() -> new CountingJob(cacheback, JobSettings.builder().name("p")
                .taskOptions(TaskOptions.fromMap(java.util.Map.of("priority", 3, "countdown", 5))).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in-process").hasMessageContaining("priority").hasMessageContaining("countdown")
                .hasMessageContaining("honours queue, expiration");
    }
}

package dev.cacheback;

import dev.cacheback.internal.InProcessRefreshQueue;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rows of DESIGN.md's table that involve the queue (S2, S4, S6, S11, S12), on the in-process
 * queue; {@link JobSemanticsTest} runs every row on the manual queue. The queue's executor is driven
 * by hand, so nothing here depends on timing.
 */
class InProcessQueueSemanticsTest {

    private final TestClock clock = new TestClock();
    private final StepExecutor executor = new StepExecutor();
    private final InProcessRefreshQueue queue = new InProcessRefreshQueue(executor, 100, false);
    private final RecordingListener events = new RecordingListener();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events).build();

    @AfterEach
    void close() {
        executor.runAll();
        cacheback.close();
    }

    private CountingJob job(JobSettings.Builder settings) {
        return new CountingJob(cacheback, settings.name("inproc").build());
    }

    @Test
    void s2AsyncMissStoresEmptyAndOneTaskFillsIt() {
        CountingJob job = job(JobSettings.builder().fetchOnMiss(false));
        assertThat(job.get("a")).isNull();
        assertThat(job.get("a")).isNull();
        assertThat(executor.runAll()).isEqualTo(1);
        assertThat(job.get("a")).isEqualTo("a#1");
    }

    @Test
    void s4StaleIsServedAndOneRefreshReplacesIt() {
        CountingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(600));
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.rawGet("a").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(60));
        assertThat(executor.runAll()).isEqualTo(1);
        assertThat(job.get("a")).isEqualTo("a#2");
        assertThat(events.count("enqueued")).isEqualTo(1);
    }

    @Test
    void s6InvalidateRefreshesThroughTheQueue() {
        CountingJob job = job(JobSettings.builder());
        job.invalidate("none");
        assertThat(executor.waiting).isEmpty();
        job.get("a");
        job.invalidate("a");
        executor.runAll();
        assertThat(job.get("a")).isEqualTo("a#2");
    }

    @Test
    void s11AClosedQueueMakesTheRefreshSynchronous() {
        CountingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(601));
        queue.close();
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("a#2");
        assertThat(events.count("fallback")).isEqualTo(1);
    }

    @Test
    void s12AFailingRefreshLeavesTheEntryAndIsRetriedAfterTheTimeout() {
        CountingJob job = job(JobSettings.builder());
        job.get("a");
        clock.advance(Duration.ofSeconds(600));
        job.get("a");
        var before = job.rawGet("a").orElseThrow();
        job.failWith(new IllegalStateException("down"));
        executor.runAll();
        assertThat(job.rawGet("a")).contains(before);
        assertThat(events.count("refresh.failed")).isEqualTo(1);
        job.failWith(null);
        clock.advance(Duration.ofSeconds(60));
        job.get("a");
        executor.runAll();
        assertThat(job.get("a")).isEqualTo("a#3");
    }
}

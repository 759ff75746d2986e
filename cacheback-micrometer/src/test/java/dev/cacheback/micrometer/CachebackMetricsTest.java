package dev.cacheback.micrometer;

import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every meter of {@link CachebackMetrics}, driven through a runtime on a test clock and a manual queue. */
class CachebackMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final dev.cacheback.Cacheback cacheback = dev.cacheback.Cacheback.builder().clock(clock).queue(queue)
            .listener(new CachebackMetrics(registry)).build();
    private final CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("m").lifetime(Duration.ofSeconds(10))
            .refreshTimeout(Duration.ofSeconds(5)).build());

    @AfterEach
    void close() {
        cacheback.close();
    }

    private double count(String name, String tag, String value) {
        return registry.get(name).tag("job", "m").tag(tag, value).counter().count();
    }

    @Test
    void getsFetchesAndRefreshOutcomes() {
        job.get("a");                                   // miss + fetch
        job.get("a");                                   // hit
        clock.advance(Duration.ofSeconds(11));
        job.get("a");                                   // stale + enqueued
        job.invalidate("a");                            // lease held: deduplicated
        assertThat(count("cacheback.gets", "status", "miss")).isEqualTo(1);
        assertThat(count("cacheback.gets", "status", "hit")).isEqualTo(1);
        assertThat(count("cacheback.gets", "status", "stale")).isEqualTo(1);
        assertThat(count("cacheback.refreshes", "outcome", "enqueued")).isEqualTo(1);
        assertThat(count("cacheback.refreshes", "outcome", "deduplicated")).isEqualTo(1);

        job.failWith(new IllegalStateException("source down"));
        queue.runPending();                             // the worker's refresh fails
        assertThat(count("cacheback.refreshes", "outcome", "failed")).isEqualTo(1);
        assertThat(registry.get("cacheback.fetch").tag("job", "m").tag("outcome", "failure").timer().count()).isEqualTo(1);
        assertThat(registry.get("cacheback.fetch").tag("job", "m").tag("outcome", "success").timer().count()).isEqualTo(1);

        job.failWith(null);
        queue.refuseTasks(true);
        job.asyncRefresh("a");                          // the queue refuses: synchronous fallback
        assertThat(count("cacheback.refreshes", "outcome", "fallback")).isEqualTo(1);
        assertThat(registry.get("cacheback.fetch").tag("job", "m").tag("outcome", "success").timer().count()).isEqualTo(2);
    }

    @Test
    void droppedTasksCorruptEntriesAndBackendErrors() {
        CachebackMetrics metrics = new CachebackMetrics(registry);
        metrics.onTaskDropped("m", "m:k", "duplicate");
        metrics.onTaskDropped("m", "m:k", "duplicate");
        metrics.onCorruptEntry("m", "m:k", new RuntimeException());
        metrics.onBackendError("default", "get", new RuntimeException());
        assertThat(registry.get("cacheback.tasks.dropped").tag("job", "m").counter().count()).isEqualTo(2);
        assertThat(registry.get("cacheback.corrupt.entries").tag("job", "m").counter().count()).isEqualTo(1);
        assertThat(registry.get("cacheback.backend.errors").tag("cache", "default").tag("operation", "get").counter().count())
                .isEqualTo(1);
        assertThatThrownBy(() -> new CachebackMetrics(null)).isInstanceOf(NullPointerException.class);
    }
}

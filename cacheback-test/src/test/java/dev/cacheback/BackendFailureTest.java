package dev.cacheback;

import ch.qos.logback.classic.Level;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.spi.EntryCodec;
import dev.cacheback.CacheEntry;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ForwardingCacheBackend;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A cache that fails degrades the job instead of failing its callers (STYLE.md 6). Here the failure
 * is a switch on an in-memory backend; the Redis and memcached modules prove the same with real
 * servers cut off.
 */
class BackendFailureTest {

    /** The in-memory backend, behind a switch that makes every operation fail as a dead server would. */
    static final class SwitchableBackend extends ForwardingCacheBackend {
        volatile boolean down;

        SwitchableBackend() {
            super(CacheBackend.inMemory());
        }

        @Override
        protected void before(String operation) {
            if (down) {
                throw new CacheBackendException("connection refused (test switch)");
            }
        }
    }

    private final TestClock clock = new TestClock();
    private final SwitchableBackend backend = new SwitchableBackend();
    private final RecordingListener events = new RecordingListener();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).cache("default", backend).queue(queue)
            .listener(events).errorLogInterval(Duration.ofSeconds(30)).build();
    private final LogCapture log = new LogCapture(Level.INFO);

    @AfterEach
    void close() {
        cacheback.close();
        log.close();
    }

    @Test
    void aDeadCacheMeansFetchingInlineAndOneLogLinePerInterval() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("degraded").build());
        backend.down = true;
        for (int i = 0; i < 10; i++) {
            assertThat(job.get("a")).isEqualTo("a#" + (i + 1));
        }
        assertThat(events.count("backend.error")).isGreaterThanOrEqualTo(20);
        assertThat(errorLines()).hasSize(1);
        clock.advance(Duration.ofSeconds(31));
        job.get("a");
        assertThat(errorLines()).hasSize(2);
        assertThat(errorLines().get(1)).contains("not logged");
        backend.down = false;
        job.get("a");
        assertThat(job.get("a")).isEqualTo(job.rawGet("a").orElseThrow().data());
        assertThat(log.events()).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("answers again"));
    }

    @Test
    void aDeadCacheOnTheStalePathStillServesAndEnqueuesNothingItCannotGuard() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("stale").fetchOnMiss(false).build());
        backend.down = true;
        assertThat(job.get("a")).isNull();
        assertThat(queue.enqueuedCount()).isZero();
    }

    @Test
    void explicitOperationsReportTheFailure() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("explicit").build());
        backend.down = true;
        assertThatThrownBy(() -> job.delete("a")).isInstanceOf(CacheBackendException.class);
        assertThatThrownBy(() -> job.set("a", "x")).isInstanceOf(CacheBackendException.class);
        assertThatThrownBy(() -> job.rawGet("a")).isInstanceOf(CacheBackendException.class);
        assertThatThrownBy(() -> job.refresh("a")).isInstanceOf(CacheBackendException.class);
    }

    @Test
    void aWorkerRefreshAgainstADeadCacheFailsSoTheQueueCanRetry() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("worker").build());
        job.asyncRefresh("a");
        backend.down = true;
        queue.runPending();
        assertThat(queue.results()).singleElement().satisfies(r -> assertThat(r.retryable()).isTrue());
    }

    private java.util.List<String> errorLines() {
        return log.lines(Level.ERROR);
    }
}

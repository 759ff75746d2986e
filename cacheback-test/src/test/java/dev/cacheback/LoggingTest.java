package dev.cacheback;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** DESIGN.md S19: the "cacheback" logger says what was decided, with the job and the key. */
class LoggingTest {

    private final LogCapture log = new LogCapture(Level.DEBUG);
    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build();

    @AfterEach
    void detach() {
        cacheback.close();
        log.close();
    }

    @Test
    void hitMissAndStaleDecisionsAreLoggedAtDebugWithJobAndKey() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("logged").build());
        String key = job.key("a");
        job.get("a");
        job.get("a");
        clock.advance(Duration.ofSeconds(601));
        job.get("a");
        assertThat(log.lines(Level.DEBUG)).anySatisfy(l -> assertThat(l).startsWith("logged " + key + ": miss"))
                .anySatisfy(l -> assertThat(l).isEqualTo("logged " + key + ": hit"))
                .anySatisfy(l -> assertThat(l).startsWith("logged " + key + ": stale"))
                .anySatisfy(l -> assertThat(l).isEqualTo("logged " + key + ": refresh enqueued"));
    }

    @Test
    void failedEnqueuesAndRefreshesAreLoggedAtErrorWithTheException() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("failing").build());
        queue.refuseTasks(true);
        job.asyncRefresh("a");
        queue.refuseTasks(false);
        job.failWith(new IllegalStateException("source down"));
        job.asyncRefresh("b");
        queue.runPending();
        List<ILoggingEvent> errors = log.events(Level.ERROR);
        assertThat(errors).anySatisfy(e -> {
            assertThat(e.getFormattedMessage()).contains("Unable to enqueue refresh of failing").contains("synchronously");
            assertThat(e.getThrowableProxy()).isNotNull();
        });
        assertThat(errors).anySatisfy(e -> {
            assertThat(e.getFormattedMessage()).contains("Refresh of failing key " + job.key("b") + " failed");
            assertThat(e.getThrowableProxy().getMessage()).isEqualTo("source down");
        });
    }
}

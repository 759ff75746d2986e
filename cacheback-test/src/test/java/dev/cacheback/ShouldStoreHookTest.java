package dev.cacheback;

import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Job#shouldStore}: fetched data that is not stored still answers the caller; a refresh leaves the entry. */
class ShouldStoreHookTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    /** Stores nothing for arguments starting with "x", and nothing from its third fetch on. */
    final class Picky extends CountingJob {
        Picky() {
            super(cacheback, JobSettings.builder().name("picky").lifetime(Duration.ofSeconds(30)).build());
        }

        @Override
        protected boolean shouldStore(String args, String data) {
            return !args.startsWith("x") && fetches() < 3;
        }
    }

    @Test
    void aMissAnswersWithDataItDoesNotStore() {
        Picky job = new Picky();
        assertThat(job.get("xa")).isEqualTo("xa#1");
        assertThat(job.rawGet("xa")).isEmpty();
        assertThat(job.get("xa")).isEqualTo("xa#2");               // nothing was stored: fetched again
        assertThat(job.refresh("xa")).isEqualTo("xa#3");
        assertThat(job.rawGet("xa")).isEmpty();
    }

    @Test
    void aWorkersRefreshThatIsNotStoredLeavesTheEntryAsItWas() {
        Picky job = new Picky();
        assertThat(job.get("a")).isEqualTo("a#1");
        job.get("b");                                                // fetch 2: stored
        clock.advance(Duration.ofSeconds(31));
        assertThat(job.get("a")).isEqualTo("a#1");                 // stale: re-stored until the refresh timeout, task enqueued
        CacheEntry<String> marked = job.rawGet("a").orElseThrow();
        assertThat(queue.runPending()).isEqualTo(1);                // fetch 3: not stored
        assertThat(queue.results()).containsExactly(TaskResult.done());
        assertThat(job.rawGet("a")).contains(marked);
    }
}

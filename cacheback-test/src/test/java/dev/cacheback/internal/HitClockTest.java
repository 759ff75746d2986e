package dev.cacheback.internal;

import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link HitClock}: a copy of the clock renewed on a scheduler while read, stopped when idle. Real
 * scheduler threads, a test clock underneath (so that a copy's lag is visible), Awaitility for the ticks.
 */
class HitClockTest {

    private final TestClock clock = new TestClock();
    private final ScheduledThreadPoolExecutor scheduler = newScheduler();

    private static ScheduledThreadPoolExecutor newScheduler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1);
        s.setRemoveOnCancelPolicy(true);
        return s;
    }

    @AfterEach
    void shutDown() {
        scheduler.shutdownNow();
    }

    @Test
    void aPreciseClockIsReadEveryTimeAndHasNoSlack() {
        HitClock hits = HitClock.precise(clock);
        long before = hits.millis();
        clock.advance(Duration.ofMillis(7));
        assertThat(hits.millis()).isEqualTo(before + 7);
        assertThat(hits.slackMillis()).isZero();
        assertThat(hits.ticking()).isFalse();
        assertThat(HitClock.ticking(clock, scheduler, Duration.ZERO).slackMillis()).as("a tick of zero is precise").isZero();
    }

    @Test
    void theFirstReadingIsTheClocksOwnAndLaterOnesFollowItAtTheNextTick() {
        HitClock hits = HitClock.ticking(clock, scheduler, Duration.ofMillis(1));
        assertThat(hits.ticking()).isFalse();
        long start = clock.millis();
        assertThat(hits.millis()).isEqualTo(start);
        assertThat(hits.ticking()).as("the first reading started the copy").isTrue();
        assertThat(hits.slackMillis()).isEqualTo(16);
        clock.advance(Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> hits.millis() == start + 3_600_000);
    }

    @Test
    void theCopyStopsAfterASecondWithoutReadsAndTheNextReadingRestartsIt() {
        HitClock hits = HitClock.ticking(clock, scheduler, Duration.ofMillis(1));
        hits.millis();
        await().atMost(Duration.ofSeconds(10)).until(() -> !hits.ticking());
        assertThat(scheduler.getQueue()).as("no task left on the scheduler").isEmpty();
        clock.advance(Duration.ofMinutes(1));
        assertThat(hits.millis()).as("stopped: the clock's own reading").isEqualTo(clock.millis());
        assertThat(hits.ticking()).isTrue();
    }

    @Test
    void closingStopsTheCopyForGood() {
        HitClock hits = HitClock.ticking(clock, scheduler, Duration.ofMillis(1));
        hits.millis();
        hits.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> scheduler.getQueue().isEmpty());
        clock.advance(Duration.ofMinutes(1));
        assertThat(hits.millis()).isEqualTo(clock.millis());
        assertThat(hits.ticking()).isFalse();
        assertThat(scheduler.getQueue()).isEmpty();
    }

    @Test
    void aShutDownSchedulerLeavesEveryReadingToTheClock() {
        scheduler.shutdown();
        HitClock hits = HitClock.ticking(clock, scheduler, Duration.ofMillis(1));
        assertThat(hits.millis()).isEqualTo(clock.millis());
        clock.advance(Duration.ofSeconds(3));
        assertThat(hits.millis()).isEqualTo(clock.millis());
    }

    @Test
    void aTickOutsideTheRangeIsRefusedNamingTheRange() {
        assertThatThrownBy(() -> HitClock.ticking(clock, scheduler, Duration.ofNanos(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero").hasMessageContaining("1 ms to 1 s");
        assertThatThrownBy(() -> HitClock.ticking(clock, scheduler, Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HitClock.ticking(clock, scheduler, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

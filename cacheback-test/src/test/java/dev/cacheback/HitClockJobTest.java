package dev.cacheback;

import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The hit clock ({@link Cacheback.Builder#clockTick}) as jobs see it: a copy of the clock may lag,
 * but data this process made stale "now" is never answered as a hit because of it.
 */
class HitClockJobTest {

    /** Data "expired" is stored with a lifetime of zero: stale from the moment it is set. */
    static final class ZeroLifetimeJob extends CountingJob {
        ZeroLifetimeJob(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().name("hit-clock").lifetime(Duration.ofMinutes(1)).build());
        }

        @Override
        protected Duration lifetimeFor(String args, String data) {
            return data.equals("expired") ? Duration.ZERO : null;
        }
    }

    @Test
    void onTheSystemClockDataSetToExpireNowIsNeverAHit() {
        RecordingListener events = new RecordingListener();
        ManualRefreshQueue queue = new ManualRefreshQueue();
        try (Cacheback cacheback = Cacheback.builder().queue(queue).listener(events).build()) {
            assertThat(cacheback.hitSlackMillis()).as("the system clock is copied by default").isEqualTo(16);
            ZeroLifetimeJob job = new ZeroLifetimeJob(cacheback);
            for (int i = 0; i < 500; i++) {
                String key = "k" + i;
                job.get(key);   // a miss: fetched and stored for a minute, and the copy of the clock runs
                job.set(key, "expired");
                assertThat(job.get(key)).isEqualTo("expired");
            }
            assertThat(events.count("hit")).as("every read after the set found it stale").isZero();
            assertThat(events.count("stale.async")).isEqualTo(500);
        }
    }

    @Test
    void anEntryWithinTheSlackOfItsExpiryIsDecidedOnTheClockItself() {
        TestClock clock = new TestClock();
        RecordingListener events = new RecordingListener();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).clockTick(Duration.ofMillis(1))
                .queue(new ManualRefreshQueue()).listener(events).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("slack").lifetime(Duration.ofMinutes(1))
                    .earlyRefreshBeta(0).build());
            job.get("a");
            clock.advance(Duration.ofMinutes(1).minusMillis(10));
            await().atMost(Duration.ofSeconds(5)).until(() -> cacheback.hitMillis() == clock.millis());
            clock.advance(Duration.ofMillis(11));   // stale on the clock; the copy may still be 11 ms behind
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(events.count("hit")).isZero();
            assertThat(events.count("stale.async")).isEqualTo(1);
        }
    }

    @Test
    void aGivenClockIsReadOnEveryHitUnlessATickIsSet() {
        try (Cacheback cacheback = Cacheback.builder().clock(new TestClock()).build()) {
            assertThat(cacheback.hitSlackMillis()).isZero();
        }
        try (Cacheback cacheback = Cacheback.builder().clockTick(Duration.ZERO).build()) {
            assertThat(cacheback.hitSlackMillis()).isZero();
        }
        assertThatThrownBy(() -> Cacheback.builder().clockTick(Duration.ofMillis(1)).clockTick(Duration.ofMillis(2)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Cacheback.builder().clockTick(Duration.ofSeconds(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 ms to 1 s");
    }
}

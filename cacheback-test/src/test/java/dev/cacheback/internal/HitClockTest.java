package dev.cacheback.internal;

import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link HitClock}: a copy of the clock renewed by its own thread while read, ended when idle or
 * closed, and the deferred work that rides on its tick. A test clock underneath (so that a copy's lag
 * is visible), Awaitility for the real thread's ticks.
 */
class HitClockTest {

    private final TestClock clock = new TestClock();

    @Test
    void aPreciseClockIsReadEveryTimeStartsNoThreadAndHasNoSlack() {
        HitClock hits = HitClock.precise(clock);
        long before = hits.millis();
        clock.advance(Duration.ofMillis(7));
        assertThat(hits.millis()).isEqualTo(before + 7);
        assertThat(hits.slackMillis()).isZero();
        assertThat(hits.ticking()).isFalse();
        assertThat(HitClock.ticking(clock, Duration.ZERO).slackMillis()).as("a tick of zero is precise").isZero();
    }

    @Test
    void theFirstReadingIsTheClocksOwnAndLaterOnesFollowItAtTheNextTick() {
        try (HitClock hits = HitClock.ticking(clock, Duration.ofMillis(1))) {
            assertThat(hits.ticking()).isFalse();
            long start = clock.millis();
            assertThat(hits.millis()).isEqualTo(start);
            assertThat(hits.ticking()).as("the first reading started the copy").isTrue();
            assertThat(hits.slackMillis()).isEqualTo(16);
            clock.advance(Duration.ofHours(1));
            await().atMost(Duration.ofSeconds(5)).until(() -> hits.millis() == start + 3_600_000);
        }
    }

    @Test
    void theThreadEndsAfterASecondWithoutReadsAndTheNextReadingStartsAnother() {
        try (HitClock hits = HitClock.ticking(clock, Duration.ofMillis(1))) {
            hits.millis();
            assertThat(clockThreads()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !hits.ticking() && clockThreads() == 0);
            clock.advance(Duration.ofMinutes(1));
            assertThat(hits.millis()).as("ended: the clock's own reading").isEqualTo(clock.millis());
            assertThat(hits.ticking()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> clockThreads() == 0);
    }

    @Test
    void closingEndsTheThreadForGood() {
        HitClock hits = HitClock.ticking(clock, Duration.ofMillis(1));
        hits.millis();
        hits.close();
        assertThat(clockThreads()).as("close waits for the thread").isZero();
        clock.advance(Duration.ofMinutes(1));
        assertThat(hits.millis()).isEqualTo(clock.millis());
        assertThat(hits.ticking()).isFalse();
        assertThat(clockThreads()).isZero();
    }

    @Test
    void deferredWorkRunsOnTheClocksThreadOnceForManySubmissionsAndAllocatesNothingPerSubmission() {
        List<String> fallbackRuns = new CopyOnWriteArrayList<>();
        Executor fallback = task -> fallbackRuns.add(Thread.currentThread().getName());
        AtomicInteger runs = new AtomicInteger();
        List<String> threads = new CopyOnWriteArrayList<>();
        Runnable task = () -> {
            runs.incrementAndGet();
            threads.add(Thread.currentThread().getName());
        };
        try (HitClock hits = HitClock.ticking(clock, Duration.ofMillis(1))) {
            Executor deferring = hits.deferring(fallback);
            hits.millis();
            for (int i = 0; i < 100_000; i++) {   // warm up: the first submission registers the task
                deferring.execute(task);
                hits.millis();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() > 0);
            long before = allocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                deferring.execute(task);
                hits.millis();
            }
            long allocated = allocatedBytes() - before;
            int submitted = 200_000;
            int seen = runs.get();
            hits.millis();
            deferring.execute(task);
            await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() > seen);
            assertThat(allocated).as("bytes the submitting thread allocated for 100,000 submissions and readings")
                    .isLessThan(1_000);
            assertThat(fallbackRuns).as("nothing went to the fallback while the clock ticked").isEmpty();
            assertThat(threads).containsOnly("cacheback-clock");
            assertThat(runs.get()).as("one run per tick that found the flag up, not one per submission")
                    .isLessThan(submitted / 10);
            assertThat(hits.deferredTasks()).isEqualTo(1);
        }
    }

    @Test
    void withoutATickDeferredWorkGoesToTheFallbackAtOnce() {
        AtomicInteger fallbackRuns = new AtomicInteger();
        Executor fallback = task -> {
            fallbackRuns.incrementAndGet();
            task.run();
        };
        AtomicInteger runs = new AtomicInteger();
        Runnable task = runs::incrementAndGet;
        Executor precise = HitClock.precise(clock).deferring(fallback);
        precise.execute(task);
        precise.execute(task);
        assertThat(runs).hasValue(2);
        assertThat(fallbackRuns).hasValue(2);
        try (HitClock idle = HitClock.ticking(clock, Duration.ofMillis(1))) {
            idle.deferring(fallback).execute(task);   // not ticking: no reading has started it
            assertThat(runs).hasValue(3);
        }
    }

    @Test
    void beyondThirtyTwoDistinctTasksTheRestGoToTheFallback() {
        AtomicInteger fallbackRuns = new AtomicInteger();
        try (HitClock hits = HitClock.ticking(clock, Duration.ofMillis(1))) {
            Executor deferring = hits.deferring(task -> fallbackRuns.incrementAndGet());
            hits.millis();
            for (int i = 0; i < 40; i++) {
                int n = i;
                deferring.execute(() -> assertThat(n).isNotNegative());   // a new task instance each time
            }
            assertThat(hits.deferredTasks()).isEqualTo(32);
            assertThat(fallbackRuns).hasValue(8);
        }
    }

    @Test
    void closingHandsRequestedWorkOverBeforeTheThreadEnds() {
        AtomicInteger runs = new AtomicInteger();
        HitClock hits = HitClock.ticking(clock, Duration.ofSeconds(1));   // a tick too slow to come first
        Executor deferring = hits.deferring(Runnable::run);
        hits.millis();
        deferring.execute(runs::incrementAndGet);
        hits.close();
        assertThat(runs).as("run by the ending thread's last pass").hasValue(1);
    }

    @Test
    void aTickOutsideTheRangeIsRefusedNamingTheRange() {
        assertThatThrownBy(() -> HitClock.ticking(clock, Duration.ofNanos(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero").hasMessageContaining("1 ms to 1 s");
        assertThatThrownBy(() -> HitClock.ticking(clock, Duration.ofSeconds(2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HitClock.ticking(clock, Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    private static long clockThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("cacheback-clock")).count();
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }
}

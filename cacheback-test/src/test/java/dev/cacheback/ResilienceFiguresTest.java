package dev.cacheback;

import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The figures of issue 13, simulated on the test clock (one key, a read every 100 ms for 30 simulated
 * minutes, workers run as soon as a task is enqueued). Printed to standard output; the goals asserted.
 */
class ResilienceFiguresTest {

    private static final Duration READ_EVERY = Duration.ofMillis(100);
    private static final Duration RUN_FOR = Duration.ofMinutes(30);

    /** Counts reads served stale and fetches; the fetch takes {@code fetchTime} of the test clock. */
    static final class SimJob extends CountingJob {
        final TestClock clock;
        final Duration fetchTime;
        final Random random = new Random(13);
        double failureRate;
        long staleReads;

        SimJob(Cacheback cacheback, TestClock clock, Duration fetchTime, JobSettings settings) {
            super(cacheback, settings);
            this.clock = clock;
            this.fetchTime = fetchTime;
        }

        @Override
        protected String fetch(String args) throws Exception {
            clock.advance(fetchTime);
            if (random.nextDouble() < failureRate) {
                super.fetch(args);   // counted
                throw new IllegalStateException("source failed");
            }
            return super.fetch(args);
        }

        @Override
        protected String processResult(String result, String args, CacheStatus status, Boolean syncFetch) {
            if (status == CacheStatus.STALE) {
                staleReads++;
            }
            return result;
        }
    }

    record Run(long reads, long staleReads, long errors, long fetches) {
    }

    private static Run run(TestClock clock, ManualRefreshQueue queue, SimJob job) {
        long reads = 0;
        long errors = 0;
        long end = clock.millis() + RUN_FOR.toMillis();
        while (clock.millis() < end) {
            clock.advance(READ_EVERY);
            reads++;
            try {
                job.get("k");
            } catch (RuntimeException e) {
                errors++;
            }
            queue.runPending();
        }
        return new Run(reads, job.staleReads, errors, job.fetches());
    }

    private static Run simulate(JobSettings.Builder settings, Duration fetchTime, double failureRate) {
        TestClock clock = new TestClock();
        ManualRefreshQueue queue = new ManualRefreshQueue();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build()) {
            SimJob job = new SimJob(cacheback, clock, fetchTime, settings.name("sim").build());
            job.get("k");
            job.failureRate = failureRate;
            return run(clock, queue, job);
        }
    }

    @Test
    void earlyRefreshKeepsReadsFreshAtAboutOneFetchPerLifetime() {
        Duration lifetime = Duration.ofSeconds(60);
        Duration fetch = Duration.ofMillis(500);
        Run off = simulate(JobSettings.builder().lifetime(lifetime), fetch, 0);
        Run on = simulate(JobSettings.builder().lifetime(lifetime).earlyRefreshBeta(1), fetch, 0);
        double lifetimes = (double) RUN_FOR.toMillis() / lifetime.toMillis();
        System.out.printf("early refresh off: %d reads, %.3f %% stale, %.2f fetches per key per lifetime%n",
                off.reads(), 100.0 * off.staleReads() / off.reads(), off.fetches() / lifetimes);
        System.out.printf("early refresh on (beta 1): %d reads, %.3f %% stale, %.2f fetches per key per lifetime%n",
                on.reads(), 100.0 * on.staleReads() / on.reads(), on.fetches() / lifetimes);
        // goal ≈ 0: a key goes stale only when no read in its last few fetch times drew an early refresh
        assertThat((double) on.staleReads() / on.reads()).isLessThan(0.0005);
        assertThat(on.fetches() / lifetimes).isLessThanOrEqualTo(1.1);
        assertThat(off.staleReads()).isPositive();
    }

    @Test
    void backoffAndTheBreakerCutCallerErrorsAndSourceCallsOnAFlakySource() {
        Duration fetch = Duration.ofMillis(200);
        // data stale by more than 1 s is refreshed while the reader waits: the path where callers see errors
        Run plain = simulate(JobSettings.builder().lifetime(Duration.ofSeconds(10)).refreshTimeout(Duration.ofSeconds(5))
                .fetchOnStaleThreshold(Duration.ofSeconds(11)), fetch, 0.5);
        Run resilient = simulate(JobSettings.builder().lifetime(Duration.ofSeconds(10)).refreshTimeout(Duration.ofSeconds(5))
                .fetchOnStaleThreshold(Duration.ofSeconds(11)).failSafeMaxStaleness(Duration.ofMinutes(10))
                .refreshBackoff(Duration.ofSeconds(5), Duration.ofMinutes(1)).sourceBreaker(5, Duration.ofSeconds(30)), fetch, 0.5);
        double minutes = RUN_FOR.toMinutes();
        System.out.printf("source failing half the time, seed behaviour: %.1f caller errors/min, %.1f source calls/min%n",
                plain.errors() / minutes, plain.fetches() / minutes);
        System.out.printf("with fail-safe, backoff and breaker: %.1f caller errors/min, %.1f source calls/min%n",
                resilient.errors() / minutes, resilient.fetches() / minutes);
        assertThat(resilient.errors()).isZero();
    }
}

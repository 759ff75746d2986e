package dev.cacheback.benchmarks;

import dev.cacheback.benchmarks.ResilienceSection.Outcome;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's goals, on the simulation the benchmark report prints (the test clock, so the counts
 * are the policies' and the same on every machine).
 */
class ResilienceSectionTest {

    @Test
    void failSafeAndBackoffRemoveCallerErrorsAndTheBreakerCutsSourceCallsOnAFlakySource() {
        List<Outcome> rows = ResilienceSection.flakySource();
        rows.forEach(o -> System.out.printf("%s: %.1f caller errors/min, %.1f source calls/min%n", o.label(),
                o.perMinute(o.errors()), o.perMinute(o.fetches())));
        Outcome seed = rows.get(0);
        Outcome failSafe = rows.get(1);
        Outcome backoff = rows.get(2);
        Outcome breaker = rows.get(3);
        assertThat(seed.errors()).as("the scenario makes callers wait on the failing source").isPositive();
        assertThat(failSafe.errors()).isZero();
        assertThat(backoff.errors()).isZero();
        assertThat(backoff.fetches()).isLessThan(failSafe.fetches()).isLessThan(seed.fetches());
        assertThat(breaker.fetches()).as("the breaker cuts the load most").isLessThan(backoff.fetches());
        assertThat(breaker.errors()).as("only data past failSafeMaxStaleness fails a caller").isLessThan(seed.errors() / 10);
    }

    @Test
    void earlyRefreshKeepsReadsFreshAtAboutOneFetchPerKeyPerLifetime() {
        List<Outcome> rows = ResilienceSection.earlyRefresh(ResilienceSection.HOT);
        rows.forEach(o -> System.out.printf("%s: %.3f %% stale, %.2f fetches per key per lifetime%n", o.label(),
                100 * o.staleShare(), o.fetchesPerKeyPerLifetime()));
        Outcome off = rows.get(0);
        Outcome xfetch = rows.get(1);
        Outcome ahead = rows.get(2);
        assertThat(off.staleReads()).isPositive();
        assertThat(xfetch.staleShare()).isLessThan(0.0005);
        assertThat(xfetch.fetchesPerKeyPerLifetime()).isLessThanOrEqualTo(1.1);
        assertThat(ahead.staleShare()).isLessThan(off.staleShare());
    }
}

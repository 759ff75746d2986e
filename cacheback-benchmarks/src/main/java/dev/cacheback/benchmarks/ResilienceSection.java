package dev.cacheback.benchmarks;

import dev.cacheback.CacheStatus;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Issue 13's figures: what the resilience settings do to a steady read load, simulated on the test
 * clock (no wall time, so the figures are the policy's, not this machine's). Readers pick a key at
 * random every {@code readEvery}; a worker runs every enqueued refresh right after the read that
 * enqueued it; a fetch moves the clock by its duration. The same seed gives the same run.
 *
 * <ul>
 *   <li><b>Flaky source:</b> the source fails half the time; data stale for longer than the
 *       {@code fetchOnStaleThreshold} is refreshed while the reader waits — the path where a caller sees
 *       the source's errors. Counted: caller errors and source calls per simulated minute, for the
 *       seed's behaviour and each setting added.</li>
 *   <li><b>Early refresh:</b> a healthy source; counted: the share of reads answered stale, and
 *       fetches per key per lifetime, with early refresh off, XFetch at β = 1 (the default) and a
 *       10 % {@code refreshAhead}; on hot keys (read more often than the fetch takes) and sparse ones.</li>
 * </ul>
 */
final class ResilienceSection {

    /** One configuration's outcome. */
    record Outcome(String label, long reads, long staleReads, long errors, long fetches, Duration simulated, int keys,
                   Duration lifetime) {
        double perMinute(long count) {
            return count * 60_000.0 / simulated.toMillis();
        }

        double staleShare() {
            return (double) staleReads / reads;
        }

        double fetchesPerKeyPerLifetime() {
            return fetches / (keys * ((double) simulated.toMillis() / lifetime.toMillis()));
        }
    }

    /** A load: how many keys, how often a read comes, how long the fetch takes and how often it fails. */
    record Load(int keys, Duration readEvery, Duration runFor, Duration fetchTakes, double failureRate) {
    }

    static final Load FLAKY = new Load(200, Duration.ofMillis(100), Duration.ofMinutes(30), Duration.ofMillis(50), 0.5);
    /** Hot keys: each read several times per fetch duration, the load XFetch is made for. */
    static final Load HOT = new Load(10, Duration.ofMillis(10), Duration.ofMinutes(30), Duration.ofMillis(500), 0);
    /** Sparse keys: each read about once a second, less often than its 500 ms fetch would need for XFetch to fire. */
    static final Load SPARSE = new Load(50, Duration.ofMillis(20), Duration.ofMinutes(30), Duration.ofMillis(500), 0);

    /** Counts stale answers; its fetch takes {@code fetchTakes} of the test clock and fails at random. */
    private static final class SimJob extends CountingJob {
        private final TestClock clock;
        private final Duration fetchTakes;
        private final Random random = new Random(13);
        private double failureRate;
        private long staleReads;

        SimJob(Cacheback cacheback, TestClock clock, Duration fetchTakes, JobSettings settings) {
            super(cacheback, settings);
            this.clock = clock;
            this.fetchTakes = fetchTakes;
        }

        @Override
        protected String fetch(String args) throws Exception {
            clock.advance(fetchTakes);
            String data = super.fetch(args);   // counted whether it fails or not
            if (random.nextDouble() < failureRate) {
                throw new IllegalStateException("source failed");
            }
            return data;
        }

        @Override
        protected String processResult(String result, String args, CacheStatus status, Boolean syncFetch) {
            if (status == CacheStatus.STALE) {
                staleReads++;
            }
            return result;
        }
    }

    private ResilienceSection() {
    }

    /** Runs {@code load} against a job with {@code settings}; every key is fetched once, healthy, before the count starts. */
    static Outcome simulate(String label, Load load, JobSettings.Builder settings) {
        // the flaky source fails thousands of refreshes: their ERROR lines are the behaviour, not news
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("cacheback");
        ch.qos.logback.classic.Level level = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.OFF);
        try {
            return simulateQuietly(label, load, settings);
        } finally {
            log.setLevel(level);
        }
    }

    private static Outcome simulateQuietly(String label, Load load, JobSettings.Builder settings) {
        TestClock clock = new TestClock();
        ManualRefreshQueue queue = new ManualRefreshQueue();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build()) {
            JobSettings built = settings.name("sim").build();
            SimJob job = new SimJob(cacheback, clock, load.fetchTakes(), built);
            for (int k = 0; k < load.keys(); k++) {
                job.get("k" + k);
            }
            long fetchesBefore = job.fetches();
            job.failureRate = load.failureRate();
            Random pick = new Random(7);
            long start = clock.millis();
            long end = start + load.runFor().toMillis();
            long reads = 0;
            long errors = 0;
            while (clock.millis() < end) {
                clock.advance(load.readEvery());
                reads++;
                try {
                    job.get("k" + pick.nextInt(load.keys()));
                } catch (RuntimeException e) {
                    errors++;
                }
                queue.runPending();
            }
            return new Outcome(label, reads, job.staleReads, errors, job.fetches() - fetchesBefore,
                    Duration.ofMillis(clock.millis() - start), load.keys(), built.lifetime());
        }
    }

    /** The flaky-source rows: the seed's behaviour, then each setting added. */
    static List<Outcome> flakySource() {
        List<Outcome> rows = new ArrayList<>();
        rows.add(simulate("seed behaviour (no resilience setting)", FLAKY, flakyBase()));
        rows.add(simulate("+ `failSafeMaxStaleness(10 min)`", FLAKY, flakyBase().failSafeMaxStaleness(Duration.ofMinutes(10))));
        rows.add(simulate("+ `refreshBackoff(5 s, 1 min)`", FLAKY, flakyBase().failSafeMaxStaleness(Duration.ofMinutes(10))
                .refreshBackoff(Duration.ofSeconds(5), Duration.ofMinutes(1))));
        rows.add(simulate("+ `sourceBreaker(5, 30 s)`", FLAKY, flakyBase().failSafeMaxStaleness(Duration.ofMinutes(10))
                .refreshBackoff(Duration.ofSeconds(5), Duration.ofMinutes(1)).sourceBreaker(5, Duration.ofSeconds(30))));
        return rows;
    }

    private static JobSettings.Builder flakyBase() {
        // fresh 10 s; stale by more than 10 s (20 s after the fetch) is refreshed while the reader waits
        return JobSettings.builder().lifetime(Duration.ofSeconds(10)).refreshTimeout(Duration.ofSeconds(5))
                .fetchOnStaleThreshold(Duration.ofSeconds(20)).earlyRefreshBeta(0);
    }

    /** The early-refresh rows on {@code load}: off, XFetch β = 1 (the default), and a deterministic 10 % ahead. */
    static List<Outcome> earlyRefresh(Load load) {
        Duration lifetime = Duration.ofSeconds(60);
        List<Outcome> rows = new ArrayList<>();
        rows.add(simulate("off (`earlyRefreshBeta(0)`)", load, JobSettings.builder().lifetime(lifetime).earlyRefreshBeta(0)));
        rows.add(simulate("XFetch, β = 1 (the default)", load, JobSettings.builder().lifetime(lifetime)));
        rows.add(simulate("`refreshAhead(0.1)`, XFetch off", load, JobSettings.builder().lifetime(lifetime)
                .earlyRefreshBeta(0).refreshAhead(0.1)));
        return rows;
    }

    static void run(Report report) {
        RunAll.step("7. resilience (simulated on the test clock)");
        List<Outcome> flaky = flakySource();
        List<Outcome> early = earlyRefresh(HOT);
        StringBuilder body = new StringBuilder();
        body.append("Simulated on the test clock with the manual queue (a worker runs each task right after the read ")
                .append("that enqueued it; a fetch moves the clock by its duration), so these are the policies' figures, ")
                .append("not this machine's. Source: `ResilienceSection`.\n\n");
        body.append(String.format(Locale.ROOT, "**A source failing half the time.** %d keys, one read every %d ms on a random key "
                        + "(each key read about every %d s), lifetime 10 s, `refreshTimeout` 5 s, `fetchOnStaleThreshold` 20 s "
                        + "(stale by more than 10 s: refreshed while the reader waits), fetch %d ms, %s simulated.\n\n",
                FLAKY.keys(), FLAKY.readEvery().toMillis(), FLAKY.keys() * FLAKY.readEvery().toMillis() / 1000,
                FLAKY.fetchTakes().toMillis(), minutes(flaky.get(0))));
        body.append("| settings | reads | caller errors / min | source calls / min | reads answered stale |\n|---|---|---|---|---|\n");
        for (Outcome o : flaky) {
            body.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %.1f | %.1f %% |%n", o.label(), o.reads(),
                    o.perMinute(o.errors()), o.perMinute(o.fetches()), 100 * o.staleShare()));
        }
        body.append("\nThe breaker trades freshness for load: at 5 failures in a row a source failing half the time ")
                .append("trips it often, each key is then fetched rarely, and a key whose data outlives ")
                .append("`failSafeMaxStaleness` (10 min) fails its caller when the next fetch fails — by design, since ")
                .append("that bound says such data must not be served. A breaker is for a source that is down, not one ")
                .append("that is flaky; there, fail-safe with backoff alone answers every read.\n");
        List<Outcome> sparse = earlyRefresh(SPARSE);
        earlyTable(body, "hot keys", HOT, early);
        earlyTable(body, "sparse keys", SPARSE, sparse);
        body.append("\nXFetch draws its moment from the fetch time δ: it fires when a read lands within a few δ of the ")
                .append("expiry, so it keeps keys fresh that are read more often than their fetch takes (hot keys) and ")
                .append("rarely fires for keys read less often; `refreshAhead` covers those with a fixed margin.\n");
        report.section("7. Resilience under a failing source, and early refresh", body.toString());

        Outcome seed = flaky.get(0);
        Outcome backoff = flaky.get(2);
        Outcome all = flaky.get(flaky.size() - 1);
        report.target("Flaky source: caller errors with fail-safe and backoff", "0 (seed: "
                        + String.format(Locale.ROOT, "%.1f", seed.perMinute(seed.errors())) + " / min)",
                String.format(Locale.ROOT, "%.1f / min", backoff.perMinute(backoff.errors())),
                Report.Verdict.of(backoff.errors() == 0));
        report.target("Flaky source: source calls with backoff and breaker", "fewer than the seed's "
                        + String.format(Locale.ROOT, "%.1f", seed.perMinute(seed.fetches())) + " / min",
                String.format(Locale.ROOT, "%.1f / min (%.2f×)", all.perMinute(all.fetches()), (double) all.fetches() / seed.fetches()),
                Report.Verdict.of(all.fetches() < seed.fetches()));
        Outcome xfetch = early.get(1);
        report.target("Early refresh (β = 1), hot keys: reads answered stale", "≈ 0 (off: "
                        + String.format(Locale.ROOT, "%.3f %%", 100 * early.get(0).staleShare()) + ")",
                String.format(Locale.ROOT, "%.3f %%", 100 * xfetch.staleShare()), Report.Verdict.of(xfetch.staleShare() < 0.0005));
        report.target("Early refresh (β = 1), hot keys: fetches per key per lifetime", "≤ 1.1",
                String.format(Locale.ROOT, "%.2f", xfetch.fetchesPerKeyPerLifetime()),
                Report.Verdict.of(xfetch.fetchesPerKeyPerLifetime() <= 1.1));
        report.put("resilience.flaky", flaky);
        report.put("resilience.early", early);
    }

    private static void earlyTable(StringBuilder body, String what, Load load, List<Outcome> rows) {
        body.append(String.format(Locale.ROOT, "%n**Early refresh, %s.** A healthy source, %d keys, one read every %d ms on a "
                        + "random key (each key about every %.1f s), lifetime 60 s, fetch %d ms, %s simulated.%n%n",
                what, load.keys(), load.readEvery().toMillis(), load.keys() * load.readEvery().toMillis() / 1000.0,
                load.fetchTakes().toMillis(), minutes(rows.get(0))));
        body.append("| early refresh | reads | reads answered stale | fetches per key per lifetime |\n|---|---|---|---|\n");
        for (Outcome o : rows) {
            body.append(String.format(Locale.ROOT, "| %s | %,d | %.3f %% | %.2f |%n", o.label(), o.reads(),
                    100 * o.staleShare(), o.fetchesPerKeyPerLifetime()));
        }
    }

    private static String minutes(Outcome o) {
        return String.format(Locale.ROOT, "%.0f minutes", o.simulated().toMillis() / 60_000.0);
    }
}

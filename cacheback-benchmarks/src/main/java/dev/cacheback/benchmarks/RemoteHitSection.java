package dev.cacheback.benchmarks;

import dev.cacheback.benchmarks.Jmh.Score;
import dev.cacheback.benchmarks.Report.Table;
import dev.cacheback.benchmarks.Report.Verdict;

import java.util.List;
import java.util.Map;

/** Issue item 2: the remote hit path against the raw client on the same connection type. */
final class RemoteHitSection {

    /** One store: its label, its JMH class, its raw client, whether its server answers. */
    record Store(String name, Class<? extends RemoteHitBenchmark> benchmark, String rawClient, boolean up) {
    }

    private RemoteHitSection() {
    }

    /**
     * Interleaved rounds: unmeasured, then measured. 60 unmeasured rounds are 30,000 calls a side, enough
     * for C2 to compile the engine's hit path: with 10 (5,000 calls) part of it still ran on C1 code and
     * the caller's CPU per call came out some 3 µs higher than the same loop after a longer warm-up.
     */
    static final int WARM_ROUNDS = 60;
    static final int ROUNDS = 50;
    static final int CALLS_PER_ROUND = 500;

    /**
     * The same two calls outside JMH ({@link Interleave}), alternating rounds of {@value #CALLS_PER_ROUND}
     * calls each after {@value #WARM_ROUNDS} unmeasured rounds.
     */
    static Interleave.Result interleaved(Class<? extends RemoteHitBenchmark> type) throws Exception {
        RemoteHitBenchmark b = type.getDeclaredConstructor().newInstance();
        b.setUp();
        try {
            Cursor raw = new Cursor();
            Cursor mine = new Cursor();
            return Interleave.measure(() -> b.rawClientGet(raw), () -> b.cachebackGet(mine), WARM_ROUNDS, ROUNDS,
                    CALLS_PER_ROUND);
        } finally {
            b.tearDown();
        }
    }

    static void run(Jmh jmh, List<Store> stores, Report report) throws Exception {
        Table table = new Table("Store", "Benchmark", "µs/op", "± (99.9%)", "B/op", "× raw client");
        Table inter = new Table("Store", "raw client µs/call", "Cacheback µs/call", "× raw (wall)",
                "raw caller CPU µs/call", "Cacheback caller CPU µs/call", "CPU difference");
        boolean any = false;
        for (Store store : stores) {
            if (!store.up()) {
                report.gap("Hit path on " + store.name() + ": its server was not reachable.");
                report.target(store.name() + " hit latency", "≤ 1.15× the raw client", "server not reachable",
                        Verdict.NOT_MEASURED);
                continue;
            }
            RunAll.step("2. hit path on " + store.name() + " (JMH)");
            Map<String, Score> s = jmh.run(store.benchmark(), "cachebackGet|rawClientGet", 1, Map.of());
            Score raw = s.get("rawClientGet");
            Score mine = s.get("cachebackGet");
            table.row(store.name(), store.rawClient() + " (baseline)", Report.f2(raw.time()), Report.f2(raw.error()),
                    Report.f1(raw.bytesPerOp()), "1.00×");
            table.row(store.name(), "Cacheback `job.get(k)`", Report.f2(mine.time()), Report.f2(mine.error()),
                    Report.f1(mine.bytesPerOp()), Report.ratio(mine.time() / raw.time()));
            Interleave.Result i = interleaved(store.benchmark());
            inter.row(Interleave.row(store.name(), i));
            report.target(store.name() + " hit latency", "≤ 1.15× the raw client", Report.ratio(i.wallRatio())
                    + " interleaved (" + Report.f1(i.mineWallMicros()) + " vs " + Report.f1(i.rawWallMicros())
                    + " µs); JMH: " + Report.ratio(mine.time() / raw.time()), Verdict.of(i.wallRatio() <= 1.15));
            any = true;
        }
        if (any) {
            report.section("2. Hit path, remote (JMH)", """
                    %d distinct keys on the machine's shared server, every call a hit, one thread, each call a \
                    network round trip. The raw client reads the very keys Cacheback wrote (the same bytes over \
                    the wire: a 16-byte entry header and the JSON value) and decodes them to a `String`; \
                    Cacheback derives the key, reads, decodes the entry and checks its freshness. Redis: Lettuce \
                    `GET` on a `StatefulRedisConnection<byte[], byte[]>` with synchronous commands, the connection \
                    type the backend shares. memcached: xmemcached's text protocol, default client.

                    **JMH** (separate forks, one after the other):

                    %s
                    **Interleaved** (the verdict's figure): the same calls in one JVM, %d rounds of %d raw calls then \
                    %d Cacheback calls, after %d unmeasured rounds, so that the shared machine's changing load falls \
                    on both sides alike. The caller's CPU time per call does not include waiting for the server: \
                    its difference is the engine's own cost.

                    %s""".formatted(RemoteHitBenchmark.KEY_COUNT, table, ROUNDS, CALLS_PER_ROUND, CALLS_PER_ROUND,
                    WARM_ROUNDS, inter));
        }
    }
}

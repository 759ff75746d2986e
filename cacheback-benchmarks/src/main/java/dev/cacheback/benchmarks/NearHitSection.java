package dev.cacheback.benchmarks;

import dev.cacheback.benchmarks.Jmh.Score;
import dev.cacheback.benchmarks.Report.Table;
import dev.cacheback.benchmarks.Report.Verdict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Issue 14 item 5 (near half): a near-cache hit against raw Caffeine and against a remote hit. */
final class NearHitSection {

    private static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("caffeineGetIfPresent", "raw Caffeine `getIfPresent(k)` (baseline)");
        LABELS.put("nearGet", "Cacheback `job.get(k)`, near hit (`CacheBackend.tiered`)");
        LABELS.put("remoteGet", "Cacheback `job.get(k)`, remote cache alone");
    }

    private NearHitSection() {
    }

    static void run(RunAll.Mode mode, Jmh jmh, Report report, boolean redis) throws Exception {
        List<String> remotes = new ArrayList<>(List.of("in-memory"));
        if (redis) {
            remotes.add("redis");
        } else if (mode.remote) {
            report.gap("Near hit over Redis: the server was not reachable at " + Servers.redisUri() + ".");
        }
        Table table = new Table("Remote level", "Benchmark", "ns/op", "± (99.9%)", "B/op", "× Caffeine");
        for (String remote : remotes) {
            RunAll.step("9. near hit over " + remote + " (JMH)");
            Map<String, Score> s = jmh.run(NearHitBenchmark.class, String.join("|", LABELS.keySet()), 1, Map.of("remote", remote));
            Score base = s.get("caffeineGetIfPresent");
            for (Map.Entry<String, String> label : LABELS.entrySet()) {
                Score score = s.get(label.getKey());
                if (score != null) {
                    table.row(remote, label.getValue(), Report.f1(score.time()), Report.f1(score.error()),
                            Report.f1(score.bytesPerOp()), base == null ? "n/a" : Report.ratio(score.time() / base.time()));
                }
            }
            Score near = s.get("nearGet");
            Score far = s.get("remoteGet");
            if (base != null && near != null) {
                double ratio = near.time() / base.time();
                report.target("Near hit latency over " + remote, "≤ 2× raw Caffeine", Report.ratio(ratio) + " ("
                        + Report.f1(near.time()) + " vs " + Report.f1(base.time()) + " ns)"
                        + (far == null ? "" : "; remote hit " + Report.f1(far.time()) + " ns"), Verdict.of(ratio <= 2.0));
            }
            report.put("near-" + remote, s);
        }
        report.section("9. Near cache hit (JMH)", """
                %d distinct keys, every call a hit, one thread. `job.get(k)` with a near level \
                (`CacheBackend.tiered`, Caffeine bounded by size, kept coherent by a backplane: Redis pub/sub over \
                Redis, the test kit's in-JVM backplane over the in-memory store) against raw Caffeine on the same \
                values and against `job.get(k)` on the remote cache alone (the in-memory remote stores copies, \
                decoding every read as a remote cache does). A near hit costs the engine's hit path plus one \
                Caffeine read and one volatile read of the backplane's last heartbeat.

                %s""".formatted(NearHitBenchmark.KEY_COUNT, table));
    }
}

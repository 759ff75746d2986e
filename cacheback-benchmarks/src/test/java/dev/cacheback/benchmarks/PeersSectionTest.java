package dev.cacheback.benchmarks;

import dev.cacheback.benchmarks.Jmh.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The peers section: {@code --smoke --only peers} measures every in-memory peer (tiny iterations) and
 * writes its tables; the goal and thread-scaling tables are rendered from given rows, so their
 * verdicts are checked on figures the test chooses, never on measured ones.
 */
class PeersSectionTest {

    @Test
    void smokeRunMeasuresEveryInMemoryPeer(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("peers.md");

        RunAll.main(new String[] {"--smoke", "--only", "peers", "--out", out.toString()});

        String md = Files.readString(out);
        assertThat(md).contains("## " + PeersSection.TITLE, "**In memory, 512 keys, quarter.**",
                "**Goals of issue 15 item 1.**", "Peers on Redis (section 10): skipped (--smoke).");
        for (String method : PeersBenchmark.METHODS) {
            assertThat(md).contains("| " + PeersSection.LABELS.get(method) + " | 1 |");
        }
        assertThat(md).contains("| `job.get` in memory ≤ 1.0× Caffeine `refreshAfterWrite` `get` | 512 | quarter | 1 |",
                "| `@Cached` ≤ 0.5× Spring `@Cacheable(sync = true)` + Caffeine, through the proxy | 512 | quarter | 1 |");
    }

    @Test
    void goalsSayByHowMuchTheyAreMissedAndThreadsScale() {
        List<Row> rows = new ArrayList<>();
        for (int threads : new int[] {1, 2}) {
            Map<String, String> p = Map.of("keys", "512", "fill", "quarter");
            rows.add(new Row("caffeineRefreshGet", p, threads, 50 * threads, 1, 49, 51, 0));
            rows.add(new Row("cachebackGet", p, threads, 100, 1, 99, 101, 0));
            rows.add(new Row("springCacheable", p, threads, 600, 5, 590, 610, 576));
            rows.add(new Row("cachebackMethod", p, threads, 240, 5, 230, 250, 600));
            Map<String, String> r = Map.of("keys", "512");
            rows.add(new Row("rawLettuceGet", r, threads, 40_000, 100, 39_000, 41_000, 200));
            rows.add(new Row("cachebackRedisMethod", r, threads, 41_000, 100, 40_000, 42_000, 900));
        }
        Report report = new Report();

        String md = PeersSection.render(new PeersSection.Measured(rows, List.of(), Map.of()), "test settings", report);

        assertThat(md).contains("| `job.get` in memory ≤ 1.0× Caffeine `refreshAfterWrite` `get` | 512 | quarter | 1 | "
                + "2.00× (100.0 vs 50.0 ns) | **missed by 2.00×** |");
        assertThat(md).contains("| `job.get` in memory ≤ 1.0× Caffeine `refreshAfterWrite` `get` | 512 | quarter | 2 | "
                + "1.00× (100.0 vs 100.0 ns) | met |");
        assertThat(md).contains("| `@Cached` ≤ 0.5× Spring `@Cacheable(sync = true)` + Caffeine, through the proxy | 512 "
                + "| quarter | 1 | 0.40× (240.0 vs 600.0 ns) | met |");
        assertThat(md).contains("| `@Cached` allocates ≤ Spring's proxy path | 512 | quarter | 1 | 600.0 vs 576.0 B/op "
                + "| **missed by 1.04×** |");
        assertThat(md).contains("| `job.get` in memory allocates 0 B/op | 512 | quarter | 1 | 0.0 B/op | met |");
        assertThat(md).contains("| Redis hit (`@Cached` through the proxy) ≤ 1.05× raw Lettuce `GET` | 512 | — | 1 | "
                + "1.03× (41.0 vs 40.0 µs) | met |");
        assertThat(md).contains("| Caffeine `refreshAfterWrite` `LoadingCache.get` | 512 | quarter | 2 | 50.0 | 100.0 | 2.00× |",
                "| raw Lettuce `GET` (Redis) | 512 | — | 2 | 40000.0 | 40000.0 | 1.00× |");
        assertThat(md).contains("| Cacheback `job.get`, in memory | 1 | 100.0 | 99.0–101.0 | 1.0 | 0.0 | 2.00× |");
        assertThat(report.targetsTable()).contains("worst row of section 10) | ≤ 1.00× | 2.00× | **missed** |");
        assertThat(Analysis.text(report)).contains("- **Peers: `job.get` in memory vs Caffeine `refreshAfterWrite` (worst "
                + "row of section 10)** — 2.00× against ≤ 1.00×. A `refreshAfterWrite` hit is one Caffeine read",
                "- **Peers: `@Cached` B/op vs Spring's proxy path (worst row of section 10)** — 1.04× against ≤ 1.00×. "
                        + "A `@Cached` hit allocates Spring AOP's invocation objects");
    }

    @Test
    void theInterleavedMeasurementDecidesTheRedisGoalAndTheLadderShowsEachStepsCost() {
        List<Row> rows = new ArrayList<>();
        Map<String, String> r = Map.of("keys", "512");
        rows.add(new Row("rawLettuceGet", r, 1, 40_000, 100, 39_000, 41_000, 200));
        rows.add(new Row("cachebackRedisMethod", r, 1, 46_000, 100, 45_000, 47_000, 900));
        List<Row> chain = new ArrayList<>();
        double[] times = {130, 60, 170, 240, 300};
        for (int step = 0; step < times.length; step++) {
            chain.add(new Row(HitChainBenchmark.METHODS.get(step), Map.of("keys", "16384"), 1, times[step], 1, times[step] - 1,
                    times[step] + 1, 0));
        }
        Report report = new Report();

        String md = PeersSection.render(new PeersSection.Measured(rows, chain,
                Map.of("512", new Interleave.Result(40.0, 41.2, 8.0, 9.5))), "test settings", report);

        assertThat(md).contains("| Redis hit (`@Cached` through the proxy) ≤ 1.05× raw Lettuce `GET` | 512 | — | 1 | "
                + "1.15× (46.0 vs 40.0 µs) | JMH, separate forks: the interleaved row decides |");
        assertThat(md).contains("| Redis hit (`@Cached` through the proxy) ≤ 1.05× raw Lettuce `GET`, interleaved | 512 | — "
                + "| 1 | 1.03× (41.2 vs 40.0 µs) | met |");
        assertThat(md).contains("| 512 | 40.0 | 41.2 | 1.03× | 8.0 | 9.5 | +1.5 µs |");
        assertThat(report.targetsTable()).contains("| Peers: `@Cached` on Redis vs raw Lettuce `GET` (worst row of section 10) "
                + "| ≤ 1.05× | 1.03× | met |");
        assertThat(md).contains("| Step | 16384 keys, ns/op | 16384 keys, added |",
                "| Caffeine `refreshAfterWrite` `get` (the peer) | 130.0 | — |",
                "| `job.key(k)`: the key memo's lookup | 60.0 | — |",
                "| … and the store's read (Caffeine lookup, holder) | 170.0 | +110.0 |",
                "| `job.get(k)`: the whole hit | 300.0 | +60.0 |");
    }
}

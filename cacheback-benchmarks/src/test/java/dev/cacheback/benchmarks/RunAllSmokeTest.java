package dev.cacheback.benchmarks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark module still starts: {@code RunAll --smoke} runs every in-memory part with tiny
 * iterations and writes its report. No figure is asserted — only that each table and the targets
 * were produced, and that the counts that are exact by design (stampedes) came out exact.
 */
class RunAllSmokeTest {

    @Test
    void smokeRunWritesEveryInMemoryTable(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("benchmarks.md");

        RunAll.main(new String[] {"--smoke", "--out", out.toString()});

        String md = Files.readString(out);
        assertThat(md).contains("# Benchmarks", "smoke run", "| Machine |", "| JDK |", "| Command |", "## Targets",
                "## 1. Hit path, in memory (JMH)", "## 3. Stampedes", "## 4. Tail latency during refresh",
                "## What misses its target, and why");
        assertThat(md).contains("| raw Caffeine `getIfPresent(k)` (baseline) | 1 |",
                "| Cacheback `job.get(k)`, in-memory backend | 1 |");
        assertThat(md).contains("| Stampede, missing key, in-memory | exactly 1 fetch, 0 tasks | 1 fetch, 0 tasks",
                "| Stampede, stale key, in-memory | exactly 1 task, 1 fetch | 1 task, 1 fetch");
        assertThat(md).contains("| Cacheback `job.get`, lifetime 500 ms, 200 ms refresh in the background |");
        assertThat(md).contains("## 7. Resilience under a failing source, and early refresh", "## 8. Bulk read: getMany of 100 keys against 100 gets", "| in-memory | ");
        assertThat(md).contains("## 9. Near cache hit (JMH)", "| in-memory | Cacheback `job.get(k)`, near hit (`CacheBackend.tiered`) |",
                "| in-memory | raw Caffeine `getIfPresent(k)` (baseline) |", "| Near hit latency over in-memory | ≤ 2× raw Caffeine |");
        assertThat(md).contains("## " + PeersSection.TITLE, "| Cacheback `@Cached` method, in memory, through the proxy | 1 |");
    }

    @Test
    void onlyNearRunsTheNearSectionAlone(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("near.md");

        RunAll.main(new String[] {"--smoke", "--only", "near", "--out", out.toString()});

        String md = Files.readString(out);
        assertThat(md).contains("## 9. Near cache hit (JMH)", "| in-memory | Cacheback `job.get(k)`, remote cache alone |")
                .doesNotContain("## 1. Hit path, in memory (JMH)", "## 3. Stampedes");
    }
}

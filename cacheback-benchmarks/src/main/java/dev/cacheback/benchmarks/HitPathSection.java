package dev.cacheback.benchmarks;

import dev.cacheback.benchmarks.Jmh.Score;
import dev.cacheback.benchmarks.Report.Table;
import dev.cacheback.benchmarks.Report.Verdict;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Issue item 1: the in-memory hit path against raw Caffeine, with its cost broken down. */
final class HitPathSection {

    static final String BASELINE = "caffeineGetIfPresent";
    /** Characters in the measured job's keys: its name, ':' and 32 hex digits. */
    static final int KEY_LENGTH = HitPathBenchmark.JOB_NAME.length() + 1 + 32;
    /** Characters in the baseline's keys ("user-100000"). */
    static final int RAW_KEY_LENGTH = Values.keys(1)[0].length();
    private static final Map<String, String> LABELS = new LinkedHashMap<>();
    private static final Map<String, String> HOT_LABELS = new LinkedHashMap<>();
    private static final Map<String, String> CONFIG_LABELS = new LinkedHashMap<>();

    static {
        LABELS.put(BASELINE, "raw Caffeine `getIfPresent(k)` (baseline)");
        LABELS.put("cachebackGet", "Cacheback `job.get(k)`, in-memory backend");
        LABELS.put("partKey", "  part: `job.key(k)` (core's key memo (bounded map per job name); on a miss Jackson + SHA-256 + hex)");
        LABELS.put("partBackendGet", "  part: in-memory backend `get(hashedKey)` alone (Caffeine read + deadline check; alone it reads the `Clock`, inside `job.get` it takes the job's reading)");
        LABELS.put("partClockMillis", "  one `Clock.millis()` of the runtime's clock (a hit reads the runtime's copy of it instead)");
        HOT_LABELS.put("hotCaffeineGetIfPresent", "raw Caffeine `getIfPresent(k)` (baseline)");
        HOT_LABELS.put("hotCachebackGet", "Cacheback `job.get(k)`, in-memory backend");
        CONFIG_LABELS.put("size", "size bound only (the baseline's configuration)");
        CONFIG_LABELS.put("size+expireAfterWrite", "size bound + `expireAfterWrite` (fixed expiry, `System.nanoTime` ticker)");
        CONFIG_LABELS.put("previousDesign", "the previous design (per-entry `expireAfter` + `Clock` ticker)");
        CONFIG_LABELS.put("backendConfig", "as core's backend: size bound + maintenance in the caller + deadline checked on read against the `Clock`");
    }

    private HitPathSection() {
    }

    static void run(RunAll.Mode mode, Jmh jmh, Report report) throws Exception {
        Map<String, Score> one;
        Map<String, Score> two = Map.of();
        Map<String, Score> hot = Map.of();
        Map<String, Score> configs = Map.of();
        if (mode.smoke) {
            one = jmh.run(HitPathBenchmark.class, BASELINE + "|cachebackGet", 1, Map.of());
        } else {
            one = jmh.run(HitPathBenchmark.class, String.join("|", LABELS.keySet()), 1, Map.of());
            two = jmh.run(HitPathBenchmark.class, String.join("|", List.of(BASELINE, "cachebackGet")), 2, Map.of());
            hot = jmh.run(HitPathBenchmark.class, String.join("|", HOT_LABELS.keySet()), 1, Map.of());
            configs = jmh.runParams(CaffeineConfigBenchmark.class, "getIfPresent", "config", CONFIG_LABELS.keySet());
        }

        Table table = new Table("Benchmark", "Threads", "ns/op", "± (99.9%)", "B/op", "× Caffeine");
        add(table, LABELS, one, BASELINE, 1);
        add(table, LABELS, two, BASELINE, 2);
        StringBuilder body = new StringBuilder("""
                %d distinct `String` arguments read in a shuffled order, every call a hit (lifetime 1 day; set-up \
                and tear-down check that no call fetched). `job.get(k)` looks the argument up in core's key memo \
                (a bounded `ConcurrentHashMap` per job name, 65,536 arguments by default, so all %d keys stay \
                remembered after their first call; on a memo miss it computes the key: canonical JSON of the \
                argument with Jackson, SHA-256, 32 hex digits, %d characters in all for this job), reads the \
                in-memory backend (Caffeine bounded by size, holding the entry by reference with its deadline, \
                which it checks against the job's one reading of the runtime's `Clock`), checks the entry's \
                freshness against that same reading, and reports a hit to the listener. The baseline is a raw Caffeine `Cache<String, Object>` \
                (size-bounded) holding the same values under the argument strings themselves (%d characters). \
                Time is the average per call per thread (JMH `AverageTime`); bytes are JMH's \
                `gc.alloc.rate.norm`. `part:` rows measure one piece of `job.get` alone.

                """.formatted(Values.KEY_COUNT, Values.KEY_COUNT, KEY_LENGTH, RAW_KEY_LENGTH)).append(table);
        if (!hot.isEmpty()) {
            Table hotTable = new Table("Benchmark (512 hot keys)", "Threads", "ns/op", "± (99.9%)", "B/op", "× Caffeine");
            add(hotTable, HOT_LABELS, hot, "hotCaffeineGetIfPresent", 1);
            body.append("\n**Hot keys.** The same, cycling over 512 of the keys (a skewed workload's hot set), ")
                    .append("where everything the hit touches stays in the CPU caches:\n\n").append(hotTable);
        }
        if (!configs.isEmpty()) {
            Table configTable = new Table("Raw Caffeine configured as", "ns/op", "± (99.9%)", "B/op", "× size bound only");
            Score base = configs.get("size");
            for (Map.Entry<String, String> label : CONFIG_LABELS.entrySet()) {
                Score s = configs.get(label.getKey());
                if (s != null) {
                    configTable.row(label.getValue(), Report.f1(s.time()), Report.f1(s.error()), Report.f1(s.bytesPerOp()),
                            base == null ? "n/a" : Report.ratio(s.time() / base.time()));
                }
            }
            body.append("\n**Where the backend's read goes.** Raw Caffeine, same keys, one thread, configured step by ")
                    .append("step (`CaffeineConfigBenchmark`); the last row is configured as core's in-memory backend ")
                    .append("is now, the row before it as it was before:\n\n").append(configTable);
        }
        report.section("1. Hit path, in memory (JMH)", body.toString());

        for (int threads : new int[] {1, 2}) {
            Map<String, Score> s = threads == 1 ? one : two;
            Score base = s.get(BASELINE);
            Score get = s.get("cachebackGet");
            if (base == null || get == null) {
                continue;
            }
            double ratio = get.time() / base.time();
            String t = threads + " thread" + (threads > 1 ? "s" : "");
            report.target("In-memory hit latency, " + t, "≤ 2× raw Caffeine", Report.ratio(ratio) + " ("
                    + Report.f1(get.time()) + " vs " + Report.f1(base.time()) + " ns)", Verdict.of(ratio <= 2.0));
            report.target("In-memory hit allocation, " + t, "≤ 64 B per hit", Report.f1(get.bytesPerOp()) + " B",
                    Verdict.of(get.bytesPerOp() <= 64));
        }
        report.put("hit", one);
        report.put("hot", hot);
        report.put("configs", configs);
    }

    private static void add(Table table, Map<String, String> labels, Map<String, Score> scores, String baseline, int threads) {
        Score base = scores.get(baseline);
        for (Map.Entry<String, String> label : labels.entrySet()) {
            Score s = scores.get(label.getKey());
            if (s == null) {
                continue;
            }
            table.row(label.getValue(), threads, Report.f1(s.time()), Report.f1(s.error()),
                    Report.f1(s.bytesPerOp()), base == null ? "n/a" : Report.ratio(s.time() / base.time()));
        }
    }
}

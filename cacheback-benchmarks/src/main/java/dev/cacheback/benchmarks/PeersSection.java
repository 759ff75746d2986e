package dev.cacheback.benchmarks;

import dev.cacheback.benchmarks.Jmh.Row;
import dev.cacheback.benchmarks.Report.Table;
import dev.cacheback.benchmarks.Report.Verdict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 15: Cacheback beside the peers a user would pick instead ({@link PeersBenchmark}, and
 * {@link PeersRedisBenchmark} when Redis is reachable), at 1 and 2 threads (and as many as the machine has cores, past 2), with each row's iteration
 * spread; then the goals of issue 15 item 1 as ratios with a verdict, and a thread-scaling table. A
 * smoke run measures the in-memory peers only, 512 keys a quarter full, 1 thread.
 */
final class PeersSection {

    static final String TITLE = "10. Peers: what a user would pick instead (JMH)";
    static final Map<String, String> LABELS = new LinkedHashMap<>();

    static {
        LABELS.put("caffeineGetIfPresent", "raw Caffeine `getIfPresent`");
        LABELS.put("caffeineRefreshGet", "Caffeine `refreshAfterWrite` `LoadingCache.get`");
        LABELS.put("cachebackGet", "Cacheback `job.get`, in memory");
        LABELS.put("springCacheable", "Spring `@Cacheable(sync = true)` + `CaffeineCacheManager`, through the proxy");
        LABELS.put("cachebackMethod", "Cacheback `@Cached` method, in memory, through the proxy");
        LABELS.put("jetcacheGet", "JetCache embedded Caffeine cache + `RefreshPolicy`, `get`");
        LABELS.put("rawLettuceGet", "raw Lettuce `GET` (Redis)");
        LABELS.put("springRedisCacheable", "Spring `@Cacheable` + Spring Data Redis `RedisCacheManager`, through the proxy");
        LABELS.put("cachebackRedisMethod", "Cacheback `@Cached` method on Redis, through the proxy");
    }

    /** The key counts at which {@code @Cached} on Redis is measured against raw Lettuce in alternating rounds. */
    static final int[] REDIS_INTERLEAVED_KEYS = {512, 16_384};

    private PeersSection() {
    }

    static void run(RunAll.Mode mode, Jmh jmh, Report report, boolean redis) throws Exception {
        List<Row> rows = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors();
        int[] threads = mode.smoke ? new int[] {1} : cores > 2 ? new int[] {1, 2, cores} : new int[] {1, 2};
        Map<String, String[]> params = mode.smoke
                ? Map.of("keys", new String[] {"512"}, "fill", new String[] {"quarter"}) : Map.of();
        for (int t : threads) {
            RunAll.step("10. peers, in memory, " + t + " thread" + (t > 1 ? "s" : ""));
            rows.addAll(jmh.runRows(PeersBenchmark.class, PeersBenchmark.METHODS, t, params));
        }
        Map<String, Interleave.Result> interleaved = new LinkedHashMap<>();
        if (mode.remote && redis) {
            for (int t : threads) {
                RunAll.step("10. peers, Redis, " + t + " thread" + (t > 1 ? "s" : ""));
                rows.addAll(jmh.runRows(PeersRedisBenchmark.class, PeersRedisBenchmark.METHODS, t, Map.of()));
            }
            for (int keys : REDIS_INTERLEAVED_KEYS) {
                RunAll.step("10. peers, Redis, interleaved, " + keys + " keys");
                interleaved.put(Integer.toString(keys), PeersRedisBenchmark.interleaved(keys,
                        RemoteHitSection.WARM_ROUNDS, RemoteHitSection.ROUNDS, RemoteHitSection.CALLS_PER_ROUND));
            }
        } else if (mode.remote) {
            report.gap("Peers on Redis (section 10): the server was not reachable at " + Servers.redisUri() + ".");
        } else {
            report.gap("Peers on Redis (section 10): skipped (" + (mode.smoke ? "--smoke" : "--no-remote") + ").");
        }
        RunAll.step("10. peers, where a hit's time goes");
        List<Row> chain = jmh.runRows(HitChainBenchmark.class, HitChainBenchmark.METHODS, 1,
                mode.smoke ? Map.of("keys", new String[] {"512"}) : Map.of());
        report.section(TITLE, render(new Measured(rows, chain, interleaved), jmh.describeRows(), report));
        report.put("peers", rows);
    }

    /**
     * What the section measured: the peers' JMH rows ({@link PeersBenchmark}, {@link PeersRedisBenchmark}),
     * the hit's ladder ({@link HitChainBenchmark}) and, by key count, Redis {@code @Cached} against raw
     * Lettuce in alternating rounds; where one of those is given, it decides the Redis goal at that key
     * count (JMH's separate forks of two network calls swing by more than the goal's margin on a shared
     * machine).
     */
    record Measured(List<Row> rows, List<Row> chain, Map<String, Interleave.Result> interleaved) {
    }

    /** The section's text, and the section's targets added to {@code report}. */
    static String render(Measured measured, String settings, Report report) {
        List<Row> rows = measured.rows();
        Map<String, Interleave.Result> interleaved = measured.interleaved();
        StringBuilder body = new StringBuilder();
        body.append("""
                Every call a hit, on the same `String` arguments (\"user-100000\"…) and values (about 100 bytes), \
                read in a shuffled order by each thread from its own position. Each benchmark builds only its \
                own peer, fills it with one call per key and checks on tear-down that no measured call loaded. \
                `keys`: 512 (a hot set) or 16,384; `fill`: every in-memory cache bounded to four times the keys \
                (`quarter`) or to the keys plus 1/32 (`nearly-full`, where Caffeine's maintenance — eviction \
                bookkeeping — has work on every drain; Cacheback runs it at its clock thread's ticks, the other \
                Caffeine peers on the common pool). Cacheback's lifetime and the peers' refresh periods are one day, so no refresh \
                runs. Time is the mean per call per thread (JMH `AverageTime`) with the lowest and highest of the \
                measured iterations beside it; bytes are JMH's `gc.alloc.rate.norm`. JMH: %s. Run this section \
                alone with `java -jar cacheback-benchmarks/target/benchmarks.jar --only peers`.

                """.formatted(settings));
        for (String keys : values(rows, "keys")) {
            for (String fill : fillsOf(rows, keys)) {
                Table table = new Table("Peer", "Threads", "ns/op", "iterations min–max", "± (99.9%)", "B/op",
                        "× Caffeine `refreshAfterWrite`");
                for (int threads : threadsOf(rows)) {
                    Row base = find(rows, "caffeineRefreshGet", keys, fill, threads);
                    for (String method : LABELS.keySet()) {
                        Row r = find(rows, method, keys, fill, threads);
                        if (r == null || isRedis(method)) {
                            continue;
                        }
                        table.row(LABELS.get(method), threads, Report.f1(r.time()), spread(r), Report.f1(r.error()),
                                Report.f1(r.bytesPerOp()), base == null ? "n/a" : Report.ratio(r.time() / base.time()));
                    }
                }
                if (table.toString().lines().count() > 2) {
                    body.append("**In memory, ").append(keys).append(" keys, ").append(fill).append(".**\n\n")
                            .append(table).append('\n');
                }
            }
        }
        for (String keys : values(rows, "keys")) {
            Table table = new Table("Peer", "Threads", "ns/op", "iterations min–max", "± (99.9%)", "B/op", "× raw Lettuce");
            for (int threads : threadsOf(rows)) {
                Row base = find(rows, "rawLettuceGet", keys, null, threads);
                for (String method : LABELS.keySet()) {
                    Row r = isRedis(method) ? find(rows, method, keys, null, threads) : null;
                    if (r != null) {
                        table.row(LABELS.get(method), threads, Report.f1(r.time()), spread(r), Report.f1(r.error()),
                                Report.f1(r.bytesPerOp()), base == null ? "n/a" : Report.ratio(r.time() / base.time()));
                    }
                }
            }
            if (table.toString().lines().count() > 2) {
                body.append("**On Redis, ").append(keys).append(" keys** (Redis on the same machine; the values ")
                        .append("Cacheback stores carry its entry's expiry and version besides the JSON).\n\n")
                        .append(table).append('\n');
            }
        }
        if (!interleaved.isEmpty()) {
            Table table = new Table("Keys", "raw Lettuce µs/call", "`@Cached` µs/call", "× raw (wall)",
                    "raw caller CPU µs/call", "`@Cached` caller CPU µs/call", "CPU difference");
            interleaved.forEach((keys, i) -> table.row(Interleave.row(keys, i)));
            body.append("**On Redis, interleaved** (the Redis goal's figure): the raw Lettuce and `@Cached` peers above, ")
                    .append("built the same way, in one JVM and one thread: ").append(RemoteHitSection.ROUNDS)
                    .append(" rounds of ").append(RemoteHitSection.CALLS_PER_ROUND).append(" raw calls then as many ")
                    .append("`@Cached` calls, after ").append(RemoteHitSection.WARM_ROUNDS).append(" unmeasured rounds, ")
                    .append("so that the shared machine's changing load falls on both sides alike (as in section 2). ")
                    .append("The caller's CPU time does not include waiting for the server: its difference is the ")
                    .append("proxy's and the engine's own cost.\n\n").append(table).append('\n');
        }
        body.append(chain(measured.chain()));
        body.append(goals(rows, interleaved, report));
        body.append(scaling(rows));
        return body.toString();
    }

    /** The hit's ladder: each step's time and what it adds to the step before, by key count. */
    static String chain(List<Row> chain) {
        if (chain.isEmpty()) {
            return "";
        }
        List<String> keyCounts = values(chain, "keys");
        List<String> headers = new ArrayList<>(List.of("Step"));
        for (String keys : keyCounts) {
            headers.add(keys + " keys, ns/op");
            headers.add(keys + " keys, added");
        }
        Table table = new Table(headers.toArray(new String[0]));
        String[] labels = {"Caffeine `refreshAfterWrite` `get` (the peer)", "`job.key(k)`: the key memo's lookup",
                "… and the store's read (Caffeine lookup, holder)", "… and the entry's expiry and data",
                "`job.get(k)`: the whole hit"};
        for (int step = 0; step < HitChainBenchmark.METHODS.size(); step++) {
            List<Object> cells = new ArrayList<>(List.of(labels[step]));
            for (String keys : keyCounts) {
                Row r = find(chain, HitChainBenchmark.METHODS.get(step), keys, null, 1);
                Row before = step > 1 ? find(chain, HitChainBenchmark.METHODS.get(step - 1), keys, null, 1) : null;
                cells.add(r == null ? "n/a" : Report.f1(r.time()));
                cells.add(r == null || before == null ? "—" : "+" + Report.f1(r.time() - before.time()));
            }
            table.row(cells.toArray());
        }
        return "**Where a hit's time goes** (`HitChainBenchmark`, 1 thread, the in-memory cache a quarter full as "
                + "above): a ladder of calls, each doing what the one before did and one thing more, so that the "
                + "difference between two steps is that step's cost. At a working set that stays in the CPU's "
                + "caches the steps are a few nanoseconds each; where it does not, each object a step touches "
                + "first is a memory access the next waits for, and the steps add up to more than the peer's one "
                + "lookup.\n\n" + table + '\n';
    }

    /** Issue 15 item 1's goals, one row per measured combination, with a verdict. */
    private static String goals(List<Row> rows, Map<String, Interleave.Result> interleaved, Report report) {
        Table table = new Table("Goal (issue 15 item 1)", "Keys", "Fill", "Threads", "Measured", "Verdict");
        double worstGet = Double.NaN;
        double worstMethod = Double.NaN;
        double worstMethodBytes = Double.NaN;
        double worstBytes = Double.NaN;
        double worstRedis = Double.NaN;
        for (String keys : values(rows, "keys")) {
            for (String fill : fillsOf(rows, keys)) {
                for (int threads : threadsOf(rows)) {
                    Row refresh = find(rows, "caffeineRefreshGet", keys, fill, threads);
                    Row get = find(rows, "cachebackGet", keys, fill, threads);
                    Row spring = find(rows, "springCacheable", keys, fill, threads);
                    Row method = find(rows, "cachebackMethod", keys, fill, threads);
                    if (refresh != null && get != null) {
                        double ratio = get.time() / refresh.time();
                        worstGet = max(worstGet, ratio);
                        table.row("`job.get` in memory ≤ 1.0× Caffeine `refreshAfterWrite` `get`", keys, fill, threads,
                                Report.ratio(ratio) + " (" + Report.f1(get.time()) + " vs " + Report.f1(refresh.time()) + " ns)",
                                verdict(ratio, 1.0));
                    }
                    if (get != null) {
                        worstBytes = max(worstBytes, get.bytesPerOp());
                        table.row("`job.get` in memory allocates 0 B/op", keys, fill, threads,
                                Report.f1(get.bytesPerOp()) + " B/op", zeroVerdict(get.bytesPerOp()));
                    }
                    if (spring != null && method != null) {
                        double ratio = method.time() / spring.time();
                        worstMethod = max(worstMethod, ratio);
                        table.row("`@Cached` ≤ 0.5× Spring `@Cacheable(sync = true)` + Caffeine, through the proxy", keys,
                                fill, threads, Report.ratio(ratio) + " (" + Report.f1(method.time()) + " vs "
                                        + Report.f1(spring.time()) + " ns)", verdict(ratio, 0.5));
                        double bytes = method.bytesPerOp() / spring.bytesPerOp();
                        worstMethodBytes = max(worstMethodBytes, bytes);
                        table.row("`@Cached` allocates ≤ Spring's proxy path", keys, fill, threads,
                                Report.f1(method.bytesPerOp()) + " vs " + Report.f1(spring.bytesPerOp()) + " B/op",
                                verdict(bytes, 1.0));
                    }
                }
            }
            Interleave.Result alternating = interleaved.get(keys);
            for (int threads : threadsOf(rows)) {
                Row raw = find(rows, "rawLettuceGet", keys, null, threads);
                Row method = find(rows, "cachebackRedisMethod", keys, null, threads);
                if (raw != null && method != null) {
                    double ratio = method.time() / raw.time();
                    if (alternating == null) {
                        worstRedis = max(worstRedis, ratio);
                    }
                    table.row("Redis hit (`@Cached` through the proxy) ≤ 1.05× raw Lettuce `GET`", keys, "—", threads,
                            Report.ratio(ratio) + " (" + Report.f1(method.time() / 1_000) + " vs "
                                    + Report.f1(raw.time() / 1_000) + " µs)",
                            alternating == null ? verdict(ratio, 1.05) : "JMH, separate forks: the interleaved row decides");
                }
            }
            if (alternating != null) {
                worstRedis = max(worstRedis, alternating.wallRatio());
                table.row("Redis hit (`@Cached` through the proxy) ≤ 1.05× raw Lettuce `GET`, interleaved", keys, "—", 1,
                        Report.ratio(alternating.wallRatio()) + " (" + Report.f1(alternating.mineWallMicros()) + " vs "
                                + Report.f1(alternating.rawWallMicros()) + " µs)", verdict(alternating.wallRatio(), 1.05));
            }
        }
        target(report, "Peers: `job.get` in memory vs Caffeine `refreshAfterWrite` (worst row of section 10)", 1.0, worstGet);
        target(report, "Peers: `@Cached` vs Spring `@Cacheable(sync = true)` + Caffeine (worst row of section 10)", 0.5,
                worstMethod);
        target(report, "Peers: `@Cached` B/op vs Spring's proxy path (worst row of section 10)", 1.0, worstMethodBytes);
        target(report, "Peers: `@Cached` on Redis vs raw Lettuce `GET` (worst row of section 10)", 1.05, worstRedis);
        if (!Double.isNaN(worstBytes)) {
            report.target("Peers: `job.get` in memory, B/op (worst row of section 10)", "0 B/op",
                    Report.f1(worstBytes) + " B/op", worstBytes < 0.5 ? Verdict.MET : Verdict.MISSED);
        }
        return "**Goals of issue 15 item 1.** Ratios of means from the tables above. The memcached hit goal is "
                + "measured in section 2 (`job.get` against raw xmemcached), the stale-read goal in section 6.\n\n"
                + table + '\n';
    }

    private static void target(Report report, String what, double goal, double measured) {
        if (!Double.isNaN(measured)) {
            report.target(what, "≤ " + String.format(Locale.ROOT, "%.2f", goal) + "×", Report.ratio(measured),
                    measured <= goal ? Verdict.MET : Verdict.MISSED);
        }
    }

    /** Each peer's time at 2 threads over its time at 1 (1.00× is perfect scaling: each thread as fast as one alone). */
    private static String scaling(List<Row> rows) {
        List<Integer> threads = threadsOf(rows);
        if (threads.size() < 2) {
            return "**Thread scaling.** Not measured in this run (one thread count).\n\n";
        }
        Table table = new Table("Peer", "Keys", "Fill", "Threads", "ns/op, 1 thread", "ns/op, N threads",
                "N threads ÷ 1 thread");
        for (String method : LABELS.keySet()) {
            for (String keys : values(rows, "keys")) {
                for (String fill : isRedis(method) ? List.of("—") : fillsOf(rows, keys)) {
                    String f = fill.equals("—") ? null : fill;
                    Row one = find(rows, method, keys, f, 1);
                    for (int more : threads.subList(1, threads.size())) {
                        Row many = find(rows, method, keys, f, more);
                        if (one != null && many != null) {
                            table.row(LABELS.get(method), keys, fill, more, Report.f1(one.time()), Report.f1(many.time()),
                                    Report.ratio(many.time() / one.time()));
                        }
                    }
                }
            }
        }
        return "**Thread scaling.** Time per call per thread at N threads over the time at 1 thread: 1.00× "
                + "means each thread goes as fast as one alone (this machine has "
                + Runtime.getRuntime().availableProcessors() + " cores; other work on it shows here too).\n\n" + table + '\n';
    }

    /** "met", or "missed by N×" where N is how far the measured ratio is over the goal. */
    static String verdict(double ratio, double goal) {
        if (Double.isNaN(ratio)) {
            return Verdict.NOT_MEASURED.label;
        }
        return ratio <= goal ? Verdict.MET.label
                : "**missed by " + String.format(Locale.ROOT, "%.2f", ratio / goal) + "×**";
    }

    private static String zeroVerdict(double bytes) {
        if (Double.isNaN(bytes)) {
            return Verdict.NOT_MEASURED.label;
        }
        return bytes < 0.5 ? Verdict.MET.label : "**missed: " + Report.f1(bytes) + " B/op**";
    }

    private static String spread(Row r) {
        return Report.f1(r.min()) + "–" + Report.f1(r.max());
    }

    private static boolean isRedis(String method) {
        return PeersRedisBenchmark.METHODS.contains(method);
    }

    private static double max(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    private static Row find(List<Row> rows, String method, String keys, String fill, int threads) {
        for (Row r : rows) {
            if (r.method().equals(method) && r.threads() == threads && keys.equals(r.params().get("keys"))
                    && (fill == null || fill.equals(r.params().get("fill")))) {
                return r;
            }
        }
        return null;
    }

    private static List<String> values(List<Row> rows, String param) {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            String v = r.params().get(param);
            if (v != null && !out.contains(v)) {
                out.add(v);
            }
        }
        out.sort((a, b) -> {
            try {
                return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
            } catch (NumberFormatException e) {
                return a.compareTo(b);
            }
        });
        return out;
    }

    private static List<String> fillsOf(List<Row> rows, String keys) {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            String fill = r.params().get("fill");
            if (fill != null && keys.equals(r.params().get("keys")) && !out.contains(fill)) {
                out.add(fill);
            }
        }
        out.sort((a, b) -> a.equals("quarter") ? -1 : b.equals("quarter") ? 1 : a.compareTo(b));
        return out;
    }

    private static List<Integer> threadsOf(List<Row> rows) {
        List<Integer> out = new ArrayList<>();
        for (Row r : rows) {
            if (!out.contains(r.threads())) {
                out.add(r.threads());
            }
        }
        out.sort(Integer::compare);
        return out;
    }
}

package dev.cacheback.benchmarks;

import dev.cacheback.benchmarks.Jmh.Score;

import java.util.Map;

/** The "cost breakdown" and "what misses its target, and why" sections, built from the measured figures. */
final class Analysis {

    private Analysis() {
    }

    static String text(Report report) {
        StringBuilder md = new StringBuilder();
        breakdown(report, md);
        md.append("## What misses its target, and why\n\n");
        boolean any = false;
        for (Report.Target t : report.targets()) {
            if (t.verdict() == Report.Verdict.MISSED) {
                any = true;
                md.append("- **").append(t.what()).append("** — ").append(t.measured()).append(" against ")
                        .append(t.target()).append(". ").append(why(t.what())).append('\n');
            }
        }
        if (!any) {
            md.append("Every measured target was met in this run.\n");
        }
        return md.append('\n').toString();
    }

    private static String why(String target) {
        if (target.startsWith("Peers: `job.get` in memory vs")) {
            return "A `refreshAfterWrite` hit is one Caffeine read and one `System.nanoTime` for its refresh "
                    + "check: it touches the argument and one node. A `job.get` hit reads the runtime's copy of the "
                    + "clock instead, but touches seven objects one after the other (argument, key-memo node, key, "
                    + "store node, holder, `CacheEntry`, its `Instant`); at 16 Ki keys, where they are not in the CPU's "
                    + "caches, each is a memory access the next waits for. Section 10's ladder (*Where a hit's time "
                    + "goes*) measures each step.";
        }
        if (target.startsWith("Peers: `job.get` in memory, B/op")) {
            return "A hit allocates nothing once the argument's key is in core's key memo; bytes mean the memo "
                    + "missed and the key was computed with Jackson and SHA-256.";
        }
        if (target.startsWith("Peers: `@Cached` vs Spring")) {
            return "Both peers pay the same CGLIB proxy and AOP chain lookup. On top of `job.get`, a `@Cached` hit "
                    + "finds its arguments in the method's argument memo (one more hash table, a CPU-cache miss at "
                    + "16 Ki keys) before the store's own lookup; Spring's `@Cacheable` allocates its key and does one.";
        }
        if (target.startsWith("Peers: `@Cached` B/op")) {
            return "A `@Cached` hit allocates Spring AOP's invocation objects and one memo lookup key; more means the "
                    + "argument memo missed (arguments that are not immutable values, or more distinct calls than "
                    + "its bound of 32,768) and the arguments were encoded with Jackson.";
        }
        if (target.startsWith("Peers: `@Cached` on Redis")) {
            return "The round trip dominates both; the difference is the proxy, the memo lookup and decoding the "
                    + "entry (expiry, version and JSON value) with Jackson, and, on a loaded 2-core machine, being "
                    + "descheduled more often between sending and reading the reply.";
        }
        if (target.startsWith("In-memory hit latency")) {
            return "A raw Caffeine hit is one hash-table read and checks no freshness; a Cacheback hit does that "
                    + "plus a key-memo lookup, the freshness check against the runtime's copy of the clock, the "
                    + "objects it touches and the hit counter; see *Hot path* above for the split.";
        }
        if (target.startsWith("In-memory hit allocation")) {
            return "A hit allocates nothing once the argument's key is in core's key memo; bytes per hit mean the "
                    + "memo missed (it was emptied at its bound, or the argument type is not remembered) and the key "
                    + "was computed with Jackson and SHA-256.";
        }
        if (target.startsWith("p99 of get during a refresh")) {
            return "The stale call itself takes the lease, re-stores the entry and enqueues (a few µs); if p99 "
                    + "moved more than that, it is the refresh thread competing for the 2 cores with the 2 "
                    + "spinning callers and the other processes on the machine.";
        }
        if (target.startsWith("TTL cache")) {
            return "At a fixed rate, the share of calls that wait behind a load is fetch ÷ (lifetime + fetch) ≈ 29 %, "
                    + "and a call's wait is spread evenly over 0 … 200 ms, so the 99th percentile waits ≈ 96 % of "
                    + "the fetch. This is a property of the workload, not of Cacheback.";
        }
        if (target.startsWith("Redis hit") || target.startsWith("memcached hit")) {
            return "The engine's own work per call is the caller-CPU difference in section 2 (key derivation, "
                    + "decoding the entry header and the JSON value with Jackson, the freshness check); the rest of "
                    + "the wall-time difference is waiting: on a loaded 2-core machine a call that uses more CPU is "
                    + "more often descheduled between sending and reading the reply. Compare runs: this ratio moves "
                    + "the most from run to run.";
        }
        if (target.startsWith("Refresh pipeline")) {
            return "Each refresh also runs the job (decode the task, derive the key, store the entry) and the "
                    + "queue's bookkeeping on top of the broker's round trips.";
        }
        return "";
    }

    private static void breakdown(Report report, StringBuilder md) {
        Map<String, Score> hit = report.get("hit");
        if (hit == null || !hit.containsKey("partKey")) {
            return;
        }
        Score caffeine = hit.get(HitPathSection.BASELINE);
        Score get = hit.get("cachebackGet");
        Score key = hit.get("partKey");
        Score backend = hit.get("partBackendGet");
        Score clock = hit.get("partClockMillis");
        double rest = get.time() - key.time() - backend.time();
        md.append("## Hot path: cost breakdown\n\n");
        md.append("From the JMH figures above (1 thread, 16 Ki keys). The parts are measured one by one, so they ")
                .append("need not add up exactly to the whole; \"the rest\" is the whole minus the first two.\n\n");
        Report.Table t = new Report.Table("Piece of one in-memory hit", "ns", "share", "B");
        t.row("`job.key(k)`: core's key memo (bounded map per job name); on a miss Jackson + SHA-256 + hex",
                Report.f1(key.time()), pct(key.time(), get.time()), Report.f1(key.bytesPerOp()));
        t.row("backend `get`: Caffeine bounded by size (maintenance in the caller), deadline checked against `Clock.millis()`",
                Report.f1(backend.time()), pct(backend.time(), get.time()), Report.f1(backend.bytesPerOp()));
        t.row("the rest: the hit clock's copy, freshness check, backend-health flag, hit counter, listener, `processResult`",
                Report.f1(Math.max(0, rest)), pct(Math.max(0, rest), get.time()),
                Report.f1(Math.max(0, get.bytesPerOp() - key.bytesPerOp() - backend.bytesPerOp())));
        t.row("**total `job.get(k)`**", Report.f1(get.time()), "100 %", Report.f1(get.bytesPerOp()));
        t.row("raw Caffeine `getIfPresent` for comparison", Report.f1(caffeine.time()), "", Report.f1(caffeine.bytesPerOp()));
        if (clock != null) {
            t.row("one `Clock.millis()` alone: what a hit no longer does (it reads the runtime's copy of the clock); "
                    + "the backend part alone, measured without the job, still does it", Report.f1(clock.time()),
                    pct(clock.time(), get.time()), Report.f1(clock.bytesPerOp()));
        }
        md.append(t).append('\n');
        String clockNs = clock != null ? Report.f1(clock.time()) + " ns" : "tens of ns";
        md.append("""
                **What was measured.** The key memo (the argument's key is found in a bounded map per job name, \
                without Jackson or SHA-256, after the argument's first call), an in-memory backend without \
                Caffeine's per-entry expiry (a size bound only; each entry carries its deadline, compared on read \
                with the engine's reading), and the hit clock: on the system clock a hit reads a field that the \
                runtime's `cacheback-clock` thread renews every millisecond (`Cacheback.builder().clockTick`), \
                instead of calling the clock. One `Clock.millis()` costs %s on this machine, about as much as the \
                rest of a hit; the copy costs a field read. An entry within 16 ms of its expiry is decided on the \
                clock itself, so a copy's lag never makes stale data fresh. Caffeine's maintenance and the \
                hand-off of background marks ride on the same thread's ticks (a flag per task, no allocation).

                **Allocation.** A hit allocates %s B on average: the memo hands back a key computed once, the \
                backend returns the stored entry by reference, and the freshness check compares epoch \
                milliseconds without building an `Instant`.

                **Latency.** A hit costs %s against %s for a raw Caffeine hit (which checks no freshness at all). \
                What is left, none of it allocation:

                - *The key memo lookup*: one more hash-table read (hash of the argument string, `equals` on it) \
                before the backend's own.
                - *A longer key*: the backend is keyed by the %d-character hashed key, the baseline by the \
                %d-character argument. The memo hands back the very `String` the backend stored, so Caffeine's \
                lookup uses its cached hash and its `equals` stops at `==`. What does cost, with 16 Ki keys read \
                uniformly, is the objects a hit touches (memo node, backend holder, `CacheEntry`, its `Instant`), \
                each a likely CPU-cache miss at this working-set size; the hot-key table, where they stay cached, \
                shows how much.
                - *The hit counter*: a `LongAdder` increment (one atomic instruction) per hit, which the job's \
                state (`JobState`, Actuator) reads; the peers count nothing unless asked to.

                **From a profile** (JFR execution samples of `PeersBenchmark.cachebackGet`, 16,384 keys, \
                quarter full, 1 thread, a separate run: `java -cp cacheback-benchmarks/target/benchmarks.jar \
                org.openjdk.jmh.Main 'PeersBenchmark.cachebackGet$' -p keys=16384 -p fill=quarter -f 1 -prof jfr`; \
                about 440 samples in the measured code): Caffeine's own lookup (the `ConcurrentHashMap.get` in \
                `getIfPresent`) 56 %%, the `LongAdder` hit counter 11 %%, the key memo's lookup 5 %%, reading the \
                entry's `Instant` 5 %%, the in-memory backend's own code 6 %%, the rest the engine's checks. A build \
                without the hit counter was not measurably faster (116.7 / 121.4 ns against 111.2 / 133.3 ns in \
                alternating runs): its samples are the cache misses before it landing on the next instruction. \
                At 16 Ki keys a hit is bound by the dependent cache misses it makes — memo node, store node, \
                holder, entry, `Instant` — where `refreshAfterWrite` makes two (its node and its value).

                **What would close the rest.** Section 10's ladder measures the steps: at 512 keys each is a few \
                nanoseconds; at 16 Ki keys each object a step touches first is a memory access. A hit touches seven \
                objects in a row, `refreshAfterWrite` two. Removing the store's holder alone (a throw-away \
                build storing the entry itself as Caffeine's value, without even the deadline check: the most \
                that step could save) was not measurably faster in a pair of ladder runs on this machine: one \
                access in seven is inside the run-to-run noise. Getting to the peer's two would need all of: one lookup by the argument (the memo and the store as one table, which \
                Caffeine's access recording — its eviction policy — does not allow without a lookup of its own), \
                and a `CacheEntry` that holds its expiry as a number rather than an `Instant` (a change of the \
                public record). Neither was done.

                """.formatted(clockNs, Report.f1(get.bytesPerOp()), Report.f1(get.time()) + " ns", Report.f1(caffeine.time()) + " ns",
                HitPathSection.KEY_LENGTH, HitPathSection.RAW_KEY_LENGTH));
    }

    private static String pct(double part, double whole) {
        return whole <= 0 ? "n/a" : Math.round(100 * part / whole) + " %";
    }
}

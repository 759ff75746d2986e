package dev.cacheback.benchmarks;

import dev.cacheback.spi.CacheBackend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every benchmark of the module, each side by side with its alternative, and writes the report
 * (by default {@code docs/benchmarks.md}). From the repository's root:
 * <pre>
 * ./mvnw -q install -DskipTests &amp;&amp; ./mvnw -q -f cacheback-benchmarks/pom.xml package -DskipTests \
 *   &amp;&amp; java -jar cacheback-benchmarks/target/benchmarks.jar
 * </pre>
 * Options: {@code --smoke} (tiny iterations, in-memory parts only, a few seconds: proves the harness
 * starts), {@code --out FILE} (where the report goes), {@code --no-remote} (skip Redis, memcached and
 * RabbitMQ even when reachable), {@code --only PART} (one part: {@link #PARTS}; {@code --only peers} is
 * Cacheback beside Caffeine, Spring Cache, JetCache and Spring Data Redis). Server addresses come from the environment variables of the test
 * kit ({@code CACHEBACK_REDIS_URI}, {@code CACHEBACK_MEMCACHED}, {@code CACHEBACK_RABBITMQ_URI}).
 */
public final class RunAll {

    static final String COMMAND = "./mvnw -q install -DskipTests && ./mvnw -q -f cacheback-benchmarks/pom.xml package -DskipTests"
            + " && java -jar cacheback-benchmarks/target/benchmarks.jar";

    /** How a run is made. */
    static final class Mode {
        final boolean smoke;
        final boolean remote;
        final Path out;
        final String only;

        Mode(boolean smoke, boolean remote, Path out, String only) {
            this.smoke = smoke;
            this.remote = remote;
            this.out = out;
            this.only = only;
        }

        /** Whether the part named {@code part} runs: all do unless {@code --only} names one. */
        boolean runs(String part) {
            return only == null || only.equals(part);
        }

        static Mode parse(String... args) {
            boolean smoke = false;
            boolean remote = true;
            Path out = Path.of("docs", "benchmarks.md");
            String only = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--smoke" -> smoke = true;
                    case "--no-remote" -> remote = false;
                    case "--out" -> {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException("--out needs a file name");
                        }
                        out = Path.of(args[++i]);
                    }
                    case "--only" -> {
                        if (i + 1 >= args.length || !PARTS.contains(args[i + 1])) {
                            throw new IllegalArgumentException("--only needs one of " + PARTS);
                        }
                        only = args[++i];
                    }
                    default -> throw new IllegalArgumentException("Unknown option " + args[i]
                            + "; options: --smoke, --no-remote, --out FILE, --only " + String.join("|", PARTS));
                }
            }
            return new Mode(smoke, remote && !smoke, out, only);
        }

        String[] forkJvmArgs() {
            return new String[] {"-Xms1g", "-Xmx1g"};
        }
    }

    /** The parts {@code --only} can name. */
    static final List<String> PARTS = List.of("hit", "remote-hit", "stampede", "tail", "pipeline", "stale", "resilience",
            "many", "near", "peers");

    /** Refresh tasks per pipeline measurement. */
    static final int PIPELINE_TASKS = 5_000;

    private RunAll() {
    }

    public static void main(String[] args) throws Exception {
        Mode mode = Mode.parse(args);
        long start = System.nanoTime();
        Report report = run(mode);
        String markdown = render(mode, report, Duration.ofNanos(System.nanoTime() - start));
        write(mode.out, markdown);
        System.out.println("Wrote " + mode.out.toAbsolutePath() + " in "
                + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
    }

    static Report run(Mode mode) throws Exception {
        Report report = new Report();
        Jmh jmh = new Jmh(mode);
        boolean memcached = mode.remote && Servers.memcachedUp();
        boolean redis = mode.remote && Servers.redisUp();
        if (!mode.remote) {
            report.gap("Remote parts (item 2, item 3 on Redis and memcached, item 5): skipped ("
                    + (mode.smoke ? "--smoke" : "--no-remote") + ").");
        }
        if (mode.runs("hit")) {
            step("1. hit path, in memory (JMH)");
            HitPathSection.run(mode, jmh, report);
        }
        if (mode.remote && mode.runs("remote-hit")) {
            RemoteHitSection.run(jmh, List.of(
                    new RemoteHitSection.Store("Redis", RedisHitBenchmark.class, "raw Lettuce `GET`", redis),
                    new RemoteHitSection.Store("memcached", MemcachedHitBenchmark.class, "raw xmemcached `get`", memcached)),
                    report);
        }
        if (mode.runs("stampede")) {
            step("3. stampedes");
            List<StampedeSection.Store> stores = new ArrayList<>();
            stores.add(new StampedeSection.Store("in-memory", CacheBackend::inMemory, StampedeSection::mapStore));
            if (redis) {
                stores.add(RedisStores.store());
            } else if (mode.remote) {
                report.gap("Stampede on Redis: the server was not reachable at " + Servers.redisUri() + ".");
            }
            if (memcached) {
                stores.add(MemcachedStores.store());
            } else if (mode.remote) {
                report.gap("Stampede on memcached: the server was not reachable at " + Servers.memcachedAddress() + ".");
            }
            StampedeSection.run(stores, report, mode.smoke ? 1 : 5);
        }
        if (mode.runs("tail")) {
            step("4. tail latency during refresh");
            TailLatencySection.run(mode, report);
        }
        if (mode.remote && mode.runs("pipeline")) {
            List<PipelineSection.Broker> brokers = new ArrayList<>();
            if (Servers.rabbitUp()) {
                brokers.add(new RabbitBroker());
            } else {
                report.gap("Refresh pipeline on RabbitMQ: the broker was not reachable.");
            }
            if (redis) {
                brokers.add(new RedisStores.Broker());
            } else {
                report.gap("Refresh pipeline on Redis Streams: Redis was not reachable.");
            }
            PipelineSection.run(report, PIPELINE_TASKS, brokers);
        }
        if (mode.runs("stale")) {
            StaleReadSection.run(report, StaleReadSection.setups(redis, mode.remote && Servers.rabbitUp(), report),
                    mode.smoke ? 200 : 2_000);
        }
        if (mode.runs("resilience")) {
            ResilienceSection.run(report);
        }
        if (mode.runs("many")) {
            ManySection.run(report, ManySection.stores(redis, memcached, mode.remote, report), mode.smoke ? 30 : 600);
        }
        if (mode.runs("near")) {
            NearHitSection.run(mode, jmh, report, redis);
        }
        if (mode.runs("peers")) {
            PeersSection.run(mode, jmh, report, redis);
        }
        return report;
    }

    static void step(String what) {
        System.out.println("== " + what);
    }

    static String render(Mode mode, Report report, Duration took) {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Cacheback side by side with what it replaces, measured in one run by `cacheback-benchmarks`. ")
                .append("Absolute times on a shared machine move from run to run; the **ratios** are the figures ")
                .append("that count.\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| Run | ").append(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)
                .withNano(0))).append(" UTC").append(mode.smoke ? " — **smoke run, figures meaningless**" : "")
                .append(", took ").append(took.toSeconds()).append(" s |\n");
        md.append("| Machine | ").append(Machine.describe()).append(" |\n");
        md.append("| JDK | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" (").append(System.getProperty("java.vendor"))
                .append(") |\n");
        md.append("| JMH | 1.37; ").append(new Jmh(mode).describe()).append("; forks run with `-Xms1g -Xmx1g` |\n");
        md.append("| Command | `").append(COMMAND).append("` (from the repository root) |\n\n");

        md.append("## Targets\n\n").append(report.targetsTable()).append('\n');
        if (!report.notes().isEmpty()) {
            for (String note : report.notes()) {
                md.append("- ").append(note).append('\n');
            }
            md.append('\n');
        }
        md.append(report.sections());
        List<String> gaps = new ArrayList<>(report.gaps());
        if (!gaps.isEmpty()) {
            md.append("## Not measured in this run\n\n");
            for (String gap : gaps) {
                md.append("- ").append(gap).append('\n');
            }
            md.append('\n');
        }
        md.append(Analysis.text(report));
        return md.toString();
    }

    private static void write(Path out, String markdown) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, markdown);
    }

    /** The machine the run is on, in one line. */
    static final class Machine {
        private Machine() {
        }

        static String describe() {
            String cpu = "unknown CPU";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name")) {
                        cpu = line.substring(line.indexOf(':') + 1).trim();
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: keep the unknown
            }
            long memory = Runtime.getRuntime().maxMemory() / (1024 * 1024);
            String notes = memoryNotes(Path.of("/sys"));
            return String.format(Locale.ROOT, "%d cores (`nproc`) — %s; %s %s (%s); this JVM's heap max %d MiB%s",
                    Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("os.name"),
                    System.getProperty("os.version"), System.getProperty("os.arch"), memory,
                    notes.isEmpty() ? "" : "; " + notes);
        }

        /**
         * What the machine does with memory that moves the in-memory figures, read from {@code sys} (Linux's
         * {@code /sys}): the first CPU's cache sizes, the transparent-huge-page mode, and whether a DAMON
         * monitor runs (it samples pages' accessed bits; a {@code pageout} scheme reclaims pages it finds
         * cold). Empty where none of it can be read.
         */
        static String memoryNotes(Path sys) {
            List<String> notes = new ArrayList<>();
            List<String> caches = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Path index = sys.resolve("devices/system/cpu/cpu0/cache/index" + i);
                String level = read(index.resolve("level"));
                String size = read(index.resolve("size"));
                String type = read(index.resolve("type"));
                if (level != null && size != null && !"Instruction".equals(type)) {
                    caches.add("L" + level + " " + size);
                }
            }
            if (!caches.isEmpty()) {
                notes.add("caches " + String.join(", ", caches));
            }
            String thp = read(sys.resolve("kernel/mm/transparent_hugepage/enabled"));
            if (thp != null && thp.contains("[")) {
                notes.add("transparent huge pages " + thp.substring(thp.indexOf('[') + 1, thp.indexOf(']')));
            }
            List<String> damon = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                Path kdamond = sys.resolve("kernel/mm/damon/admin/kdamonds/" + k);
                if ("on".equals(read(kdamond.resolve("state")))) {
                    String action = read(kdamond.resolve("contexts/0/schemes/0/action"));
                    damon.add(action == null ? "monitoring" : "scheme " + action);
                }
            }
            if (!damon.isEmpty()) {
                notes.add("a DAMON memory monitor runs (" + String.join(", ", damon) + ")");
            }
            return String.join("; ", notes);
        }

        private static String read(Path file) {
            try {
                return Files.readString(file).trim();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }
}

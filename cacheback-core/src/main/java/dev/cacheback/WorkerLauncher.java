package dev.cacheback;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.JobCatalog;
import dev.cacheback.spi.RefreshQueue;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one launcher behind every standalone worker command ({@code RedisWorkerMain},
 * {@code RabbitWorkerMain}): parses the common options, finds the application's {@link JobCatalog}s,
 * builds the runtime with the transport's queue, registers every catalog job <em>before</em> the
 * queue reads its first task, refuses to start when it would refresh into a cache no other process
 * reads, and stops cleanly on SIGTERM (DESIGN.md F4).
 *
 * <p>Common options: {@code --queues} (comma-separated, default {@value RefreshQueue#DEFAULT_QUEUE}),
 * {@code --concurrency} (default {@value RefreshQueue#DEFAULT_CONCURRENCY}), {@code --shutdown-timeout}
 * (seconds, default 30), {@code --allow-local-cache} (start even though every cache is private to the
 * process), {@code --help}. A transport adds its own (its server URI and the like). Exit status 2
 * for a usage or configuration error, with a message naming the fix; credentials in URIs are never
 * printed.
 */
public final class WorkerLauncher {

    private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/@\\s]*@");

    private WorkerLauncher() {
    }

    /** What a broker module supplies to the launcher: its name, its options, and how to build its queue. */
    public interface Transport {

        /** The command's class, for the usage line, such as {@code dev.cacheback.redis.RedisWorkerMain}. */
        String command();

        /** The transport's own options, by name without {@code --}, each with a line of help (default shown there). */
        Map<String, String> options();

        /**
         * Builds the queue: consuming {@link Options#queues()} with {@link Options#concurrency()},
         * its worker deferred until {@link RefreshQueue#startWorker()}.
         *
         * @throws IllegalArgumentException for a bad option value, with a message that names the fix
         *     and no credentials
         */
        RefreshQueue queue(Options options);
    }

    /** The parsed options. Immutable. */
    public static final class Options {
        private final Map<String, String> values;

        private Options(Map<String, String> values) {
            this.values = Collections.unmodifiableMap(values);
        }

        /** The queues to consume. Default {@code [cacheback]}. */
        public List<String> queues() {
            return List.of(values.getOrDefault("queues", RefreshQueue.DEFAULT_QUEUE).split(","));
        }

        /** Tasks run at once. Default 2. */
        public int concurrency() {
            return intValue("concurrency", RefreshQueue.DEFAULT_CONCURRENCY);
        }

        /** How long a stop waits for running tasks. Default 30 s. */
        public Duration shutdownTimeout() {
            return Duration.ofSeconds(intValue("shutdown-timeout", 30));
        }

        /** Whether a worker whose caches are all private to it may start. Default {@code false}. */
        public boolean allowLocalCache() {
            return values.containsKey("allow-local-cache");
        }

        /** A transport option's value, or {@code fallback}. */
        public String value(String name, String fallback) {
            return values.getOrDefault(name, fallback);
        }

        /**
         * A whole-number option's value, or {@code fallback}.
         *
         * @throws IllegalArgumentException when it is not a whole number of at least 1
         */
        public int intValue(String name, int fallback) {
            String value = values.get(name);
            if (value == null) {
                return fallback;
            }
            try {
                int parsed = Integer.parseInt(value.trim());
                if (parsed < 1) {
                    throw new NumberFormatException();
                }
                return parsed;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a whole number of at least 1, not \""
                        + redact(value) + "\"");
            }
        }
    }

    /** A started worker: its runtime, and a way to stop it and wait. */
    public static final class Running implements AutoCloseable {
        private final Cacheback runtime;
        private final CountDownLatch stopped = new CountDownLatch(1);

        private Running(Cacheback runtime) {
            this.runtime = runtime;
        }

        /** The worker's runtime. */
        public Cacheback runtime() {
            return runtime;
        }

        /** Stops the worker: running tasks finish (within the shutdown timeout), waiting ones go back to the broker. */
        @Override
        public void close() {
            try {
                runtime.close();
            } finally {
                stopped.countDown();
            }
        }

        /** Waits until {@link #close()} has run. */
        public boolean awaitStopped(Duration timeout) throws InterruptedException {
            return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A worker's {@code main}: runs until SIGTERM, then exits 0; exits 2 with a message for a usage or
     * configuration error.
     */
    public static void main(Transport transport, String[] args) throws InterruptedException {
        List<JobCatalog> catalogs = new ArrayList<>();
        ServiceLoader.load(JobCatalog.class).forEach(catalogs::add);
        Running running;
        try {
            running = start(transport, args, catalogs, System.out);
        } catch (UsageException e) {
            if (e.help) {
                System.out.println(usage(transport));
                return;
            }
            System.err.println("error: " + e.getMessage());
            System.err.println(usage(transport));
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            System.out.println("cacheback worker stopped");
            System.out.flush();
            // a JVM stopped by a signal exits 128 + signal (143 for SIGTERM) unless a hook halts it: a
            // clean stop is status 0, as documented
            Runtime.getRuntime().halt(0);
        }, "cacheback-worker-shutdown"));
        running.stopped.await();
    }

    /** The launcher could not start the worker: a usage or configuration error, or {@code --help}. */
    public static final class UsageException extends IllegalArgumentException {
        private final boolean help;

        UsageException(String message, boolean help) {
            super(message);
            this.help = help;
        }

        /** Whether {@code --help} was asked for (not an error). */
        public boolean help() {
            return help;
        }
    }

    /**
     * Starts a worker: parses {@code args}, builds the runtime with the transport's queue (deferred),
     * lets each catalog configure it and register its jobs, checks that the caches are shared, then
     * starts the queue's workers. Does not block.
     *
     * @throws UsageException for {@code --help}, a bad option, no catalog, no job, or only private
     *     caches without {@code --allow-local-cache}; its message names the fix and holds no credentials
     */
    public static Running start(Transport transport, String[] args, List<JobCatalog> catalogs, PrintStream out) {
        Objects.requireNonNull(transport, "transport");
        Options options = parse(transport, args);
        if (catalogs.isEmpty()) {
            throw new UsageException("no JobCatalog found on the class path: list your catalog class in "
                    + "META-INF/services/dev.cacheback.spi.JobCatalog so the worker knows which jobs it may run", false);
        }
        RefreshQueue queue;
        try {
            queue = transport.queue(options);
        } catch (RuntimeException e) {
            throw new UsageException(redact(e.getMessage()), false);
        }
        Cacheback runtime;
        try {
            Cacheback.Builder builder = Cacheback.builder().queue(queue);
            catalogs.forEach(c -> c.configure(builder));
            runtime = builder.build();
        } catch (RuntimeException e) {
            queue.close();
            throw new UsageException("cannot build the worker's runtime: " + redact(e.getMessage()), false);
        }
        try {
            catalogs.forEach(c -> c.registerJobs(runtime));
            if (runtime.jobs().isEmpty()) {
                throw new IllegalStateException("the JobCatalogs " + catalogs.stream().map(c -> c.getClass().getName())
                        .collect(Collectors.toList()) + " registered no job: construct each job the worker may run "
                        + "in registerJobs(cacheback)");
            }
            if (!options.allowLocalCache()) {
                requireSharedCaches(runtime);
            }
        } catch (RuntimeException e) {
            runtime.close();
            throw new UsageException(redact(e.getMessage()), false);
        }
        runtime.startWorkers();
        String jobs = runtime.jobs().stream().map(Job::name).sorted().collect(Collectors.joining(", "));
        out.println("cacheback worker consuming " + options.queues() + " on " + queue.describe() + " with "
                + options.concurrency() + " at once; jobs [" + jobs + "]; stop with SIGTERM");
        return new Running(runtime);
    }

    /**
     * Checks that every cache of {@code runtime} is shared with other processes
     * ({@link CacheBackend#shared()}): a worker refreshing into a cache private to it leaves every web
     * process stale.
     *
     * @throws IllegalStateException naming the private caches and the fix
     */
    public static void requireSharedCaches(Cacheback runtime) {
        Map<String, String> local = new LinkedHashMap<>();
        runtime.caches().forEach((alias, backend) -> {
            if (!backend.shared()) {
                local.put(alias, backend.describe());
            }
        });
        if (!local.isEmpty()) {
            throw new IllegalStateException("this worker's cache" + (local.size() > 1 ? "s " : " ") + local
                    + (local.size() > 1 ? " are" : " is") + " private to its process, so its refreshes would reach no "
                    + "other process: configure the caches your web processes use in your JobCatalog's "
                    + "configure(builder) (for example builder.cache(\"default\", <a Redis or memcached backend>)), "
                    + "or pass --allow-local-cache (cacheback.worker.allow-local-cache=true in Spring) if a private "
                    + "cache is really what you want");
        }
    }

    /** {@code text} with the user-info part of any URI in it ({@code //user:password@}) replaced by {@code ***}. */
    public static String redact(String text) {
        return text == null ? null : USER_INFO.matcher(text).replaceAll("$1***@");
    }

    /** The options every worker command takes (besides {@code --allow-local-cache}), with their help. */
    private static Map<String, String> commonOptions() {
        Map<String, String> common = new LinkedHashMap<>();
        common.put("queues", "comma-separated queues to consume (default " + RefreshQueue.DEFAULT_QUEUE + ")");
        common.put("concurrency", "tasks run at once (default " + RefreshQueue.DEFAULT_CONCURRENCY + ")");
        common.put("shutdown-timeout", "seconds a stop waits for running tasks (default 30)");
        return common;
    }

    static Options parse(Transport transport, String[] args) {
        Map<String, String> known = commonOptions();
        known.putAll(transport.options());
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new UsageException("help", true);
            }
            if (arg.equals("--allow-local-cache")) {
                values.put("allow-local-cache", "true");
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument \"" + redact(arg) + "\"", false);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException("--" + name + " needs a value", false);
            }
            if (!known.containsKey(name)) {
                throw new UsageException("unknown option --" + redact(name) + "; options: --" + String.join(", --",
                        known.keySet()) + ", --allow-local-cache", false);
            }
            if (values.put(name, value) != null) {
                throw new UsageException("--" + name + " given twice", false);
            }
        }
        Options options = new Options(values);
        try {
            options.concurrency();
            options.shutdownTimeout();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), false);
        }
        return options;
    }

    static String usage(Transport transport) {
        StringBuilder sb = new StringBuilder("usage: java -cp <your application and its dependencies> ")
                .append(transport.command()).append(" [options]\n");
        Map<String, String> all = new LinkedHashMap<>(transport.options());
        all.putAll(commonOptions());
        all.forEach((name, help) -> sb.append("  --").append(name).append(" … ").append(help).append('\n'));
        sb.append("  --allow-local-cache  start even though every cache is private to this process\n");
        sb.append("Jobs come from the JobCatalogs listed in META-INF/services/dev.cacheback.spi.JobCatalog.");
        return sb.toString();
    }
}

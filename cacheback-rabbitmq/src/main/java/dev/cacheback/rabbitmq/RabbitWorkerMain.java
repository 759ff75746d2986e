package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.spi.JobCatalog;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * A standalone worker process: consumes refresh tasks from RabbitMQ and runs them, as
 * {@code celery worker} does for the seed.
 * <pre>
 * java -cp app.jar:deps/* dev.cacheback.rabbitmq.RabbitWorkerMain \
 *     --uri amqp://user:pass@mq:5672/ --queues cacheback,reports --concurrency 4 --prefetch 1
 * </pre>
 * The jobs it may run come from the {@link JobCatalog}s on the class path
 * ({@code META-INF/services/dev.cacheback.spi.JobCatalog}): each configures the runtime's builder (its
 * caches, which must be the ones the web processes use; not its queue, which is this worker's), then
 * constructs its jobs. Consuming starts once every job is constructed. SIGTERM (or Ctrl-C) stops it
 * cleanly: running tasks finish, tasks not started return to the queue.
 *
 * <p>Options: {@code --uri} (default: the {@code CACHEBACK_RABBITMQ_URI} environment variable),
 * {@code --queues} (comma-separated, default {@code cacheback}), {@code --concurrency} (default 1),
 * {@code --prefetch} (default 1), {@code --max-attempts} (default 3), {@code --shutdown-timeout}
 * (seconds, default 30). Exit status 2 for a usage error or when no catalog is found.
 */
public final class RabbitWorkerMain {

    private RabbitWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            usage(System.err, e.getMessage());
            System.exit(2);
            return;
        }
        if (options.containsKey("help")) {
            usage(System.out, null);
            return;
        }
        String uri = options.getOrDefault("uri", System.getenv("CACHEBACK_RABBITMQ_URI"));
        if (uri == null || uri.isBlank()) {
            usage(System.err, "no broker: pass --uri amqp://… or set CACHEBACK_RABBITMQ_URI");
            System.exit(2);
            return;
        }
        List<JobCatalog> catalogs = new ArrayList<>();
        ServiceLoader.load(JobCatalog.class).forEach(catalogs::add);
        if (catalogs.isEmpty()) {
            System.err.println("No JobCatalog found on the class path: list your catalog class in "
                    + "META-INF/services/dev.cacheback.spi.JobCatalog so the worker knows which jobs it may run");
            System.exit(2);
            return;
        }
        RabbitRefreshQueue queue;
        try {
            RabbitRefreshQueue.Builder builder = RabbitRefreshQueue.builder(uri)
                    .consume(options.getOrDefault("queues", "cacheback").split(","))
                    .concurrency(intOption(options, "concurrency", 1))
                    .prefetch(intOption(options, "prefetch", 1))
                    .maxAttempts(intOption(options, "max-attempts", 3))
                    .shutdownTimeout(Duration.ofSeconds(intOption(options, "shutdown-timeout", 30)))
                    .deferWorkerStart();
            queue = builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            usage(System.err, e.getMessage());
            System.exit(2);
            return;
        }
        Cacheback.Builder runtimeBuilder = Cacheback.builder().queue(queue);
        catalogs.forEach(c -> c.configure(runtimeBuilder));
        Cacheback runtime = runtimeBuilder.build();
        catalogs.forEach(c -> c.registerJobs(runtime));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runtime.close();
            } finally {
                System.out.println("cacheback worker stopped");
                stopped.countDown();
            }
        }, "cacheback-worker-shutdown"));

        queue.startWorker();
        String jobs = runtime.jobs().stream().map(Job::name).sorted().collect(Collectors.joining(", "));
        if (queue.awaitConsuming(Duration.ofSeconds(10))) {
            System.out.println("cacheback worker consuming " + queue.describe() + " with jobs [" + jobs + "]; stop with SIGTERM");
        } else {
            System.out.println("cacheback worker waiting for " + queue.describe() + " to answer; jobs [" + jobs + "]");
        }
        stopped.await();
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new java.util.LinkedHashMap<>();
        List<String> known = List.of("uri", "queues", "concurrency", "prefetch", "max-attempts", "shutdown-timeout");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                options.put("help", "");
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument \"" + arg + "\"");
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
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            }
            if (options.put(name, value) != null) {
                throw new IllegalArgumentException("--" + name + " given twice");
            }
        }
        return options;
    }

    private static int intOption(Map<String, String> options, String name, int fallback) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, not \"" + value + "\"");
        }
    }

    private static void usage(PrintStream out, String error) {
        if (error != null) {
            out.println("error: " + error);
        }
        out.println("usage: java -cp <app and its dependencies> dev.cacheback.rabbitmq.RabbitWorkerMain \\");
        out.println("         [--uri amqp://user:pass@host:5672/vhost] [--queues cacheback,other] [--concurrency 1]");
        out.println("         [--prefetch 1] [--max-attempts 3] [--shutdown-timeout 30]");
        out.println("The broker defaults to $CACHEBACK_RABBITMQ_URI; jobs come from META-INF/services/dev.cacheback.spi.JobCatalog.");
    }
}

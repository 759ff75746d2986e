package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.spi.JobCatalog;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;

/**
 * A standalone refresh worker: consumes Redis Streams refresh queues and runs the tasks with the jobs
 * the application's {@link JobCatalog}s register.
 * <pre>
 * java -cp app.jar:libs/* dev.cacheback.redis.RedisWorkerMain \
 *      --redis redis://cache-1:6379 --queues default,reports --concurrency 4
 * </pre>
 *
 * <p>Options: {@code --redis URI} (required), {@code --queues a,b} (default {@code default}),
 * {@code --concurrency N} (default 4), {@code --cluster} (the URI names a Redis Cluster node),
 * {@code --key-prefix P} (the cache's key prefix, default none), {@code --stream-prefix P},
 * {@code --group G}, {@code --claim-idle SECONDS}, {@code --max-deliveries N} (queue settings, defaults as
 * in {@link RedisRefreshQueue.Builder}).
 *
 * <p>The worker's runtime caches in the same Redis ({@code default} alias) unless a catalog adds a
 * cache under that alias itself; catalogs must not set the queue. It runs until SIGTERM (or Ctrl-C):
 * the shutdown hook closes the runtime, which stops reading, lets running refreshes finish and closes
 * connections. It prints {@code cacheback worker started} once it consumes.
 */
public final class RedisWorkerMain {

    private RedisWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Cacheback cacheback;
        try {
            cacheback = start(parse(args));
        } catch (IllegalArgumentException e) {
            usage(System.err, e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cacheback.close();
            } finally {
                stopped.countDown();
            }
        }, "cacheback-worker-shutdown"));
        RedisRefreshQueue queue = (RedisRefreshQueue) cacheback.queue();
        System.out.println("cacheback worker started: queues " + queue.consumedQueues() + " on " + queue.describe()
                + " as " + queue.consumerName() + ", jobs " + cacheback.jobs().size());
        stopped.await();
    }

    /** Builds and opens the worker's runtime from parsed options. */
    static Cacheback start(Map<String, String> options) {
        String uri = options.get("redis");
        boolean cluster = options.containsKey("cluster");
        RedisRefreshQueue.Builder queue = RedisRefreshQueue.builder(uri)
                .worker(Integer.parseInt(options.getOrDefault("concurrency", "4")))
                .queues(options.getOrDefault("queues", "default").split(","));
        if (cluster) {
            queue.cluster();
        }
        if (options.containsKey("stream-prefix")) {
            queue.streamPrefix(options.get("stream-prefix"));
        }
        if (options.containsKey("group")) {
            queue.group(options.get("group"));
        }
        if (options.containsKey("claim-idle")) {
            queue.claimIdle(Duration.ofMillis(Math.round(Double.parseDouble(options.get("claim-idle")) * 1000)));
        }
        if (options.containsKey("max-deliveries")) {
            queue.maxDeliveries(Integer.parseInt(options.get("max-deliveries")));
        }
        List<JobCatalog> catalogs = new ArrayList<>();
        ServiceLoader.load(JobCatalog.class).forEach(catalogs::add);
        if (catalogs.isEmpty()) {
            System.err.println("cacheback worker: no JobCatalog found on the class path (META-INF/services/"
                    + JobCatalog.class.getName() + "); it would run no jobs");
        }
        Cacheback.Builder builder = Cacheback.builder();
        catalogs.forEach(c -> c.configure(builder));
        RedisCacheBackend.Builder cache = RedisCacheBackend.builder(uri);
        if (cluster) {
            cache.cluster();
        }
        if (options.containsKey("key-prefix")) {
            cache.keyPrefix(options.get("key-prefix"));
        }
        try {
            builder.cache("default", cache.build());
        } catch (IllegalStateException alreadyConfigured) {
            // a catalog configured the default cache itself
        }
        try {
            builder.queue(queue.build());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("A JobCatalog set the runtime's queue; the Redis worker sets it itself", e);
        }
        Cacheback cacheback = builder.build();
        try {
            catalogs.forEach(c -> c.registerJobs(cacheback));
        } catch (RuntimeException e) {
            cacheback.close();
            throw e;
        }
        return cacheback;
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--cluster" -> options.put("cluster", "true");
                case "--redis", "--queues", "--concurrency", "--key-prefix", "--stream-prefix", "--group",
                        "--claim-idle", "--max-deliveries" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(arg + " needs a value");
                    }
                    options.put(arg.substring(2), args[++i]);
                }
                default -> throw new IllegalArgumentException("unknown option " + arg);
            }
        }
        if (!options.containsKey("redis")) {
            throw new IllegalArgumentException("--redis URI is required");
        }
        return options;
    }

    private static void usage(PrintStream out, String problem) {
        out.println("cacheback worker: " + problem);
        out.println("usage: java -cp <app and libs> " + RedisWorkerMain.class.getName()
                + " --redis redis://host:6379 [--queues default,other] [--concurrency 4] [--cluster]"
                + " [--key-prefix P] [--stream-prefix P] [--group G] [--claim-idle SECONDS] [--max-deliveries N]");
    }
}

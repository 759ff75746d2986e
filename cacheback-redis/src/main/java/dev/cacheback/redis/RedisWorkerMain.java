package dev.cacheback.redis;

import dev.cacheback.WorkerLauncher;
import dev.cacheback.spi.RefreshQueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A standalone refresh worker on Redis Streams, run by the {@link WorkerLauncher}: consumes the queues
 * and runs the tasks with the jobs the application's {@link dev.cacheback.spi.JobCatalog}s register
 * (listed in {@code META-INF/services/dev.cacheback.spi.JobCatalog}).
 * <pre>
 * java -cp 'app.jar:libs/*' dev.cacheback.redis.RedisWorkerMain \
 *      --redis redis://cache-1:6379 --queues cacheback,prices --concurrency 4
 * </pre>
 *
 * <p>Options of this transport: {@code --redis URI} (default: the {@code CACHEBACK_REDIS_URI}
 * environment variable; one of them is required), {@code --cluster} (the URI names a Redis Cluster
 * node), {@code --key-prefix P} (put before each queue name to make its stream's key, default
 * {@code cacheback:queue:}; the same as the producers' {@code streamPrefix}), {@code --claim-idle S}
 * (seconds before a dead worker's task is claimed, default 30). The launcher's common options:
 * {@code --queues} (default {@code cacheback}), {@code --concurrency} (default 2),
 * {@code --shutdown-timeout} (seconds, default 30), {@code --allow-local-cache}.
 *
 * <p>Every catalog job is registered before the first task is read. The caches are the catalogs' own
 * (configure the ones your web processes use in {@code configure(builder)}): a worker whose caches are
 * all private to it refuses to start unless given {@code --allow-local-cache}. Exit status 2, with a
 * message naming the fix, for a usage or configuration error; passwords in URIs are never printed.
 * SIGTERM stops it cleanly (running refreshes finish; unfinished ones are claimed by another worker)
 * with exit status 0.
 */
public final class RedisWorkerMain {

    /** The environment variable read when {@code --redis} is not given. */
    public static final String URI_VARIABLE = "CACHEBACK_REDIS_URI";

    private RedisWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        WorkerLauncher.main(new RedisTransport(), flags(args));
    }

    /** {@code --cluster} may be given alone: it becomes {@code --cluster=true} for the launcher. */
    static String[] flags(String[] args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            boolean bare = args[i].equals("--cluster") && (i + 1 == args.length || args[i + 1].startsWith("--"));
            out.add(bare ? "--cluster=true" : args[i]);
        }
        return out.toArray(String[]::new);
    }

    /** The Redis Streams transport of the launcher. */
    static final class RedisTransport implements WorkerLauncher.Transport {

        @Override
        public String command() {
            return RedisWorkerMain.class.getName();
        }

        @Override
        public Map<String, String> options() {
            Map<String, String> options = new LinkedHashMap<>();
            options.put("redis", "redis://[[user]:password@]host[:port][/db] or rediss://… (default: $" + URI_VARIABLE + ")");
            options.put("cluster", "the URI names a Redis Cluster node (default: a standalone Redis)");
            options.put("key-prefix", "put before each queue name to make its stream's key (default cacheback:queue:)");
            options.put("claim-idle", "seconds before a dead worker's task is claimed by another (default 30)");
            return options;
        }

        @Override
        public RefreshQueue queue(WorkerLauncher.Options options) {
            String uri = options.value("redis", System.getenv(URI_VARIABLE));
            if (uri == null || uri.isBlank()) {
                throw new IllegalArgumentException("no Redis to consume from: pass --redis redis://host:6379 or set "
                        + URI_VARIABLE);
            }
            RedisRefreshQueue.Builder builder = RedisRefreshQueue.builder(uri.trim()).worker()
                    .concurrency(options.concurrency())
                    .queues(options.queues().toArray(String[]::new))
                    .shutdownTimeout(options.shutdownTimeout())
                    .deferWorkerStart();
            String cluster = options.value("cluster", "false");
            if (cluster.equalsIgnoreCase("true")) {
                builder.cluster();
            } else if (!cluster.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("--cluster takes no value (or true/false), not \"" + cluster + "\"");
            }
            String prefix = options.value("key-prefix", null);
            if (prefix != null) {
                builder.streamPrefix(prefix);
            }
            if (options.value("claim-idle", null) != null) {
                builder.claimIdle(Duration.ofSeconds(options.intValue("claim-idle", 30)));
            }
            return builder.build();
        }
    }
}

package dev.cacheback.spring.fleet;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.cacheback.spring.CachebackBuilderCustomizer;
import dev.cacheback.spring.CachebackMethods;
import dev.cacheback.test.JvmProcess;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12, item 1: the same Spring Boot application as a web node (this JVM,
 * {@code cacheback.worker.enabled=false}) and a worker node (another JVM started with
 * {@code --spring.profiles.active=worker}, the README's recipe), on Redis + RabbitMQ and on Redis +
 * Redis Streams, against the shared servers with a prefix and queue names of their own.
 *
 * <p>Proves: the worker JVM stays up with no web server, a stale read in the web JVM is refreshed by
 * the worker JVM, for a {@code @Cached} method and for a job bean; the web JVM never calls either to
 * refresh (each counts its calls per node in Redis; the web node only ever seeds entries with
 * {@code set}); the worker JVM stops cleanly on SIGTERM (the runtime closed before the context's
 * beans, status 143 as for any JVM ended by SIGTERM after its shutdown hooks). Also prints, as a
 * figure and not an assertion, what a stale read costs in the web JVM against a hit.
 *
 * <p>The web node's runtime has a {@link TestClock}: entries are seeded a day in the past, then the
 * clock is set to now, so each seeded entry is stale at once; the worker's refresh stores an entry
 * that is fresh for ten minutes of the worker's (real) clock, so a hit for the web node.
 */
class WorkerNodeFleetTest {

    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final int MEASURED = 300;
    private static final int WARM_UP = 100;

    private static RedisClient redisClient;
    private static StatefulRedisConnection<String, String> redis;
    private static final List<String> prefixes = new ArrayList<>();
    private static final List<String> rabbitQueues = new ArrayList<>();

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void servers() {
        URI r = URI.create(TestServers.redisUri());
        TestServers.require("Redis", r.getHost(), r.getPort() < 0 ? 6379 : r.getPort());
        URI q = URI.create(TestServers.rabbitUri());
        TestServers.require("RabbitMQ", q.getHost(), q.getPort() < 0 ? 5672 : q.getPort());
        redisClient = RedisClient.create(TestServers.redisUri());
        redis = redisClient.connect();
    }

    @AfterEach
    void closeNodes() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @AfterAll
    static void deleteOurKeysAndQueues() throws Exception {
        if (redis != null) {
            for (String prefix : prefixes) {
                List<String> ours = redis.sync().keys(prefix + "*");
                if (!ours.isEmpty()) {
                    redis.sync().del(ours.toArray(String[]::new));
                }
            }
            redis.close();
            redisClient.shutdown();
        }
        if (!rabbitQueues.isEmpty()) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setUri(TestServers.rabbitUri());
            try (Connection c = factory.newConnection(); Channel channel = c.createChannel()) {
                for (String queue : rabbitQueues) {
                    channel.queueDelete(queue);
                    channel.queueDelete(queue + ".dead");
                }
            }
        }
    }

    @Test
    void redisCacheAndRabbitQueue() throws Exception {
        String prefix = prefix("fleet-rabbit");
        String queue = TestServers.uniquePrefix("cacheback-fleet");
        rabbitQueues.add(queue);
        fleet("RabbitMQ", prefix, common(prefix,
                "--cacheback.queue.type=rabbitmq",
                "--cacheback.queue.address=" + TestServers.rabbitUri(),
                "--cacheback.queue.rabbitmq.default-queue=" + queue));
    }

    @Test
    void redisCacheAndRedisStreamsQueue() throws Exception {
        String prefix = prefix("fleet-streams");
        fleet("Redis Streams", prefix, common(prefix,
                "--cacheback.queue.type=redis",
                "--cacheback.queue.address=" + TestServers.redisUri(),
                "--cacheback.queue.redis.stream-prefix=" + prefix + "queue:",
                "--cacheback.queue.redis.block-time=500ms"));
    }

    private static String prefix(String base) {
        String prefix = TestServers.uniquePrefix(base) + ":";
        prefixes.add(prefix);
        return prefix;
    }

    /** What both nodes are given: the shared cache, the queue, and the test application's own keys. */
    private static List<String> common(String prefix, String... queue) {
        List<String> args = new ArrayList<>(List.of(
                "--cacheback.caches.default.type=redis",
                "--cacheback.caches.default.address=" + TestServers.redisUri(),
                "--cacheback.caches.default.redis.key-prefix=" + prefix,
                "--fleet.redis=" + TestServers.redisUri(),
                "--fleet.prefix=" + prefix));
        args.addAll(List.of(queue));
        return args;
    }

    private void fleet(String broker, String prefix, List<String> common) throws Exception {
        Path stopped = dir.resolve("worker-stopped");
        List<String> workerArgs = new ArrayList<>(common);
        workerArgs.addAll(List.of("--spring.profiles.active=worker", "--fleet.node=worker", "--fleet.stopped-file=" + stopped));
        JvmProcess worker = JvmProcess.start("worker", FleetApp.class, workerArgs.toArray(String[]::new));
        toClose.add(worker);

        TestClock clock = new TestClock(Instant.now().minus(Duration.ofDays(1)));
        RecordingListener listener = new RecordingListener();
        List<String> webArgs = new ArrayList<>(common);
        webArgs.addAll(List.of("--cacheback.worker.enabled=false", "--fleet.node=web", "--server.port=0"));
        ConfigurableApplicationContext web = new SpringApplicationBuilder(FleetApp.class)
                .initializers(c -> {
                    c.getBeanFactory().registerSingleton("fleetClock", (CachebackBuilderCustomizer) b -> b.clock(clock));
                    c.getBeanFactory().registerSingleton("fleetListener", listener);
                })
                .run(webArgs.toArray(String[]::new));
        toClose.add(web);
        assertThat(web.getEnvironment().getProperty("local.server.port")).as("the web node serves HTTP").isNotNull();

        await("the worker node is up").atMost(STARTUP).until(() -> workerLine(worker, "Cacheback worker node consuming")
                || !worker.isAlive());
        assertThat(worker.isAlive()).as("the worker JVM stays up: %s", worker.lines()).isTrue();
        assertThat(workerLine(worker, "jobs [" + FleetApp.JOB + ", " + FleetApp.METHOD + "]"))
                .as("both jobs registered before consuming: %s", worker.lines()).isTrue();

        CachebackMethods methods = web.getBean(CachebackMethods.class);
        FleetApp.Quotes quotes = web.getBean(FleetApp.Quotes.class);
        FleetApp.QuoteJob job = web.getBean(FleetApp.QuoteJob.class);

        // entries written a day ago (seeded, never fetched here): stale now
        methods.set(FleetApp.METHOD, "seeded", "ACME");
        job.set("ACME", "seeded");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < WARM_UP + MEASURED; i++) {
            keys.add("K" + i);
            methods.set(FleetApp.METHOD, "seeded", "K" + i);
        }
        clock.set(Instant.now());

        assertThat(quotes.quote("ACME")).isEqualTo("seeded");          // stale: served at once, a task to the worker
        assertThat(job.get("ACME")).isEqualTo("seeded");
        assertThat(listener.count("stale.async")).isEqualTo(2);
        assertThat(listener.count("enqueued")).isEqualTo(2);

        await("the worker JVM refreshed both").atMost(Duration.ofSeconds(30)).until(() ->
                quotes.quote("ACME").equals("quote ACME from worker") && job.get("ACME").equals("job ACME from worker"));
        assertThat(job.rawGet("ACME").orElseThrow().isStale(clock.instant())).as("the worker's entry is fresh here").isFalse();

        measure(broker, quotes, keys);

        assertThat(listener.count("fallback")).as("no refresh fell back to the web JVM").isZero();
        assertThat(listener.count("miss.sync")).as("the web node never fetched").isZero();
        assertThat(calls(prefix, "web", "method")).as("the web JVM never called the method").isZero();
        assertThat(calls(prefix, "web", "job")).as("the web JVM never ran the job's fetch").isZero();
        assertThat(calls(prefix, "worker", "method")).isGreaterThanOrEqualTo(1);
        assertThat(calls(prefix, "worker", "job")).isEqualTo(1);

        worker.terminate();
        int status = worker.waitFor(Duration.ofSeconds(60));
        assertThat(status).as("ended by SIGTERM after its shutdown hooks ran, not killed: %s", worker.lines()).isEqualTo(143);
        assertThat(stopped).as("the context closed, the runtime (workers) first").hasContent("stopped, runtime closed");
        assertThat(calls(prefix, "web", "method")).isZero();
    }

    /**
     * A stale read in the web JVM against a hit, with nanoTime, printed: each stale read finds its own
     * stale entry (takes the lease, re-stores the entry, enqueues a task); each hit reads an entry that
     * is fresh. The first {@value #WARM_UP} stale reads warm the paths and are not counted.
     */
    private static void measure(String broker, FleetApp.Quotes quotes, List<String> keys) {
        long[] stale = new long[MEASURED];
        long[] hit = new long[MEASURED];
        for (int i = 0; i < WARM_UP; i++) {
            assertThat(quotes.quote(keys.get(i))).isIn("seeded", "quote " + keys.get(i) + " from worker");
        }
        for (int i = 0; i < MEASURED; i++) {
            String key = keys.get(WARM_UP + i);
            long t0 = System.nanoTime();
            String value = quotes.quote(key);
            stale[i] = System.nanoTime() - t0;
            assertThat(value).isIn("seeded", "quote " + key + " from worker");
        }
        for (int i = 0; i < MEASURED; i++) {
            String key = keys.get(WARM_UP + i);
            long t0 = System.nanoTime();
            quotes.quote(key);
            hit[i] = System.nanoTime() - t0;
        }
        System.out.println(String.format(Locale.ROOT,
                "FIGURES web JVM on Redis + %s, %d reads each: stale read median %.0f µs, p90 %.0f µs, mean %.0f µs; "
                        + "hit median %.0f µs, p90 %.0f µs, mean %.0f µs; stale/hit median %.2f",
                broker, MEASURED, percentile(stale, 50), percentile(stale, 90), mean(stale),
                percentile(hit, 50), percentile(hit, 90), mean(hit), percentile(stale, 50) / percentile(hit, 50)));
    }

    private static double percentile(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1_000.0;
    }

    private static double mean(long[] nanos) {
        return Arrays.stream(nanos).average().orElse(0) / 1_000.0;
    }

    private static long calls(String prefix, String node, String what) {
        String value = redis.sync().get(prefix + "calls:" + node + ":" + what);
        return value == null ? 0 : Long.parseLong(value);
    }

    private static boolean workerLine(JvmProcess worker, String text) {
        return worker.lines().stream().anyMatch(l -> l.contains(text));
    }
}

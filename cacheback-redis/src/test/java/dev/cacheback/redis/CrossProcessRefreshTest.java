package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.JvmProcess;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One refresh across processes: 3 JVMs each release 16 threads together at one stale (or missing)
 * key on the shared Redis; exactly one task is enqueued and exactly one fetch runs, counted in Redis.
 * The worker consuming the stream runs in this JVM.
 */
class CrossProcessRefreshTest {

    private static final String RUN = TestServers.uniquePrefix("cbtest");
    private static final String KEY_PREFIX = RUN + ":cache:";
    private static final String STREAM_PREFIX = RUN + ":queue:";
    private final String queue = TestServers.uniquePrefix("xproc");
    private static final String JOB = "xproc.job";
    private static RedisTestSupport redis;

    private final List<JvmProcess> processes = new ArrayList<>();
    private final String counterKey = TestServers.uniquePrefix(RUN + ":fetches");
    private final String gateKey = TestServers.uniquePrefix(RUN + ":gate");
    private Cacheback worker;
    private RedisCountingJob workerJob;

    @BeforeAll
    static void connect() {
        redis = RedisTestSupport.shared();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.deleteKeys(RUN);
            redis.close();
        }
    }

    @AfterEach
    void stop() {
        processes.forEach(JvmProcess::close);
        if (worker != null) {
            worker.close();
        }
    }

    private void startWorker(JobSettings settings) {
        String uri = TestServers.redisUri();
        worker = Cacheback.builder()
                .cache("default", RedisCacheBackend.builder(uri).keyPrefix(KEY_PREFIX).build())
                .queue(RedisRefreshQueue.builder(uri).streamPrefix(STREAM_PREFIX).defaultQueue(queue).worker(2)
                        .blockTime(Duration.ofMillis(200)).build())
                .build();
        workerJob = new RedisCountingJob(worker, settings, redis.redis(), counterKey);
    }

    /** Starts 3 processes, waits until each is ready, opens the gate, and returns their output once they exit. */
    private List<List<String>> stampedeFromThreeProcesses(String key, boolean fetchOnMiss) {
        return stampedeFromThreeProcesses(key, fetchOnMiss, null);
    }

    /** The same, each process with a near level over Redis when {@code nearChannel} is given. */
    private List<List<String>> stampedeFromThreeProcesses(String key, boolean fetchOnMiss, String nearChannel) {
        for (int i = 1; i <= 3; i++) {
            List<String> args = new ArrayList<>(List.of(TestServers.redisUri(), KEY_PREFIX, STREAM_PREFIX,
                    queue, JOB, counterKey, gateKey, key, String.valueOf(fetchOnMiss)));
            if (nearChannel != null) {
                args.add(nearChannel);
            }
            processes.add(JvmProcess.start("p" + i, StampedeMain.class, args.toArray(String[]::new)));
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .until(() -> processes.stream().allMatch(p -> p.printed("READY") || !p.isAlive()));
        assertThat(processes).allMatch(JvmProcess::isAlive, "alive and ready");
        redis.redis().rpush(gateKey, "go", "go", "go");
        List<List<String>> outputs = new ArrayList<>();
        for (JvmProcess p : processes) {
            assertThat(p.waitFor(Duration.ofSeconds(90))).as("exit code of a stampede process").isZero();
            outputs.add(p.lines());
        }
        return outputs;
    }

    private static List<String> results(List<List<String>> outputs) {
        List<String> all = new ArrayList<>();
        for (List<String> lines : outputs) {
            String line = lines.stream().filter(l -> l.startsWith("RESULTS ")).findFirst().orElseThrow();
            all.addAll(Arrays.asList(line.substring("RESULTS ".length()).split(",")));
        }
        return all;
    }

    private static long sum(List<List<String>> outputs, String event) {
        Pattern pattern = Pattern.compile("\\b" + Pattern.quote(event) + "=(\\d+)");
        long total = 0;
        for (List<String> lines : outputs) {
            String line = lines.stream().filter(l -> l.startsWith("EVENTS ")).findFirst().orElseThrow();
            Matcher m = pattern.matcher(line);
            assertThat(m.find()).isTrue();
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    private long fetches() {
        String count = redis.redis().get(counterKey);
        return count == null ? 0 : Long.parseLong(count);
    }

    /** Entries ever added to the stream (acknowledged entries are deleted, so not its length). */
    private long tasksAdded() {
        List<Object> info = redis.redis().xinfoStream(STREAM_PREFIX + "{" + queue + "}");
        for (int i = 0; i + 1 < info.size(); i += 2) {
            if ("entries-added".equals(String.valueOf(info.get(i)))) {
                return ((Number) info.get(i + 1)).longValue();
            }
        }
        throw new AssertionError("XINFO STREAM has no entries-added: " + info);
    }

    @Test
    void fortyEightReadersOfAStaleKeyInThreeProcessesMakeOneTaskAndOneFetch() {
        JobSettings settings = JobSettings.builder().name(JOB).build();
        TestClock anHourAgo = new TestClock(Instant.now().minus(Duration.ofHours(1)));
        try (Cacheback seeder = Cacheback.builder().clock(anHourAgo).queue(new ManualRefreshQueue())
                .cache("default", RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(KEY_PREFIX).build()).build()) {
            new RedisCountingJob(seeder, settings, redis.redis(), counterKey).set("hot", "seed");
        }
        startWorker(settings);
        assertThat(workerJob.rawGet("hot").orElseThrow().expiry()).isBefore(Instant.now());

        List<List<String>> outputs = stampedeFromThreeProcesses("hot", true);

        // readers that came after the worker's refresh (a slower process) see its data: a hit
        assertThat(results(outputs)).hasSize(48).contains("seed").isSubsetOf("seed", "hot#1");
        assertThat(sum(outputs, "enqueued")).isEqualTo(1);
        assertThat(sum(outputs, "deduplicated") + sum(outputs, "hit")).as("the others: lease taken, or already re-stored")
                .isEqualTo(47);
        assertThat(sum(outputs, "fallback")).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> fetches() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "hot#1".equals(workerJob.rawGet("hot").orElseThrow().data()));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> fetches() == 1);
        assertThat(tasksAdded()).isEqualTo(1);
    }

    @Test
    void fortyEightReadersOfAMissingKeyWithoutFetchOnMissMakeOneTaskAndOneFetch() {
        JobSettings settings = JobSettings.builder().name(JOB).fetchOnMiss(false).build();
        startWorker(settings);

        List<List<String>> outputs = stampedeFromThreeProcesses("cold", false);

        // readers that came after the worker's refresh (a slower process) see its data: a hit
        assertThat(results(outputs)).hasSize(48).contains("null").isSubsetOf("null", "cold#1");
        assertThat(sum(outputs, "enqueued")).isEqualTo(1);
        assertThat(sum(outputs, "fetch")).isZero();
        assertThat(sum(outputs, "deduplicated") + sum(outputs, "hit")).isEqualTo(47);
        await().atMost(Duration.ofSeconds(30)).until(() -> fetches() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "cold#1".equals(workerJob.rawGet("cold").orElseThrow().data()));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> fetches() == 1);
        assertThat(tasksAdded()).isEqualTo(1);
    }

    @Test
    void fortyEightReadersOfAStaleKeyInThreeProcessesWithNearCachesMakeOneTaskAndOneFetch() {
        JobSettings settings = JobSettings.builder().name(JOB).build();
        TestClock anHourAgo = new TestClock(Instant.now().minus(Duration.ofHours(1)));
        try (Cacheback seeder = Cacheback.builder().clock(anHourAgo).queue(new ManualRefreshQueue())
                .cache("default", RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(KEY_PREFIX).build()).build()) {
            new RedisCountingJob(seeder, settings, redis.redis(), counterKey).set("near-hot", "seed");
        }
        startWorker(settings);

        List<List<String>> outputs = stampedeFromThreeProcesses("near-hot", true, RUN + ":near");

        assertThat(outputs).allMatch(lines -> lines.contains("NEAR 1"), "each process held the stale entry in its near level");
        assertThat(results(outputs)).hasSize(48).contains("seed").isSubsetOf("seed", "near-hot#1");
        assertThat(sum(outputs, "enqueued")).isEqualTo(1);
        assertThat(sum(outputs, "fallback")).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> fetches() == 1);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> fetches() == 1);
        assertThat(tasksAdded()).isEqualTo(1);
    }

    @Test
    void fortyEightReadersOfAMissingKeyInThreeProcessesWithNearCachesFetchAtMostOncePerProcess() {
        startWorker(JobSettings.builder().name(JOB).build());

        List<List<String>> outputs = stampedeFromThreeProcesses("near-cold", true, RUN + ":near");

        assertThat(results(outputs)).hasSize(48).allMatch(r -> r.startsWith("near-cold#"));
        assertThat(fetches()).as("one fetch per process at most").isBetween(1L, 3L);
        assertThat(sum(outputs, "enqueued")).isZero();
    }
}

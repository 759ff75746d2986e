package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.JvmProcess;
import dev.cacheback.test.TestServers;
import io.lettuce.core.Range;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The standalone worker, run as a real second JVM through the launcher (DESIGN.md F4). */
class RedisWorkerMainTest {

    private static final String RUN = TestServers.uniquePrefix("cbtest");
    private static RedisTestSupport redis;
    private final List<JvmProcess> processes = new ArrayList<>();
    private final String keyPrefix = TestServers.uniquePrefix(RUN + ":wm") + ":";

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
    }

    private JvmProcess worker(String mode, String... args) {
        List<String> all = new ArrayList<>(List.of(mode, keyPrefix));
        all.addAll(List.of(args));
        JvmProcess p = JvmProcess.start("worker-" + mode, CatalogWorkerMain.class, all.toArray(String[]::new));
        processes.add(p);
        return p;
    }

    private static String output(JvmProcess p) {
        return String.join("\n", p.lines());
    }

    @Test
    void withoutACatalogTheWorkerExits2NamingMetaInfServices() throws Exception {
        // this module's test classes hold the catalog: run the worker on the class path without them
        String testClasses = Paths.get("target", "test-classes").toAbsolutePath().toString();
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Paths.get(entry).toAbsolutePath().toString().equals(testClasses))
                .collect(Collectors.joining(File.pathSeparator));
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, RedisWorkerMain.class.getName(), "--redis", TestServers.redisUri())
                .redirectErrorStream(true).start();
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(out).isEqualTo(2);
            assertThat(out).contains("no JobCatalog").contains("META-INF/services/dev.cacheback.spi.JobCatalog");
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aCatalogThatConfiguresNoSharedCacheStopsTheWorkerNamingTheFlag() {
        JvmProcess p = worker("local", "--redis", TestServers.redisUri(), "--key-prefix", keyPrefix + "queue:");
        assertThat(p.waitFor(Duration.ofSeconds(60))).as(output(p)).isEqualTo(2);
        assertThat(output(p)).contains("private to its process").contains("--allow-local-cache");
    }

    @Test
    void aMalformedRedisUriNeverPrintsItsPassword() {
        JvmProcess p = worker("shared", "--redis", "redis://user:secret@");
        assertThat(p.waitFor(Duration.ofSeconds(60))).as(output(p)).isEqualTo(2);
        assertThat(output(p)).contains("Not a Redis URI").doesNotContain("secret");
    }

    @Test
    void tasksWaitingBeforeTheWorkerStartsAreAllDoneAndSigtermStopsItCleanly() {
        String streamPrefix = keyPrefix + "queue:";
        String queue = "early";
        RedisRefreshQueue producer = RedisRefreshQueue.builder(TestServers.redisUri()).streamPrefix(streamPrefix)
                .defaultQueue(queue).build();
        try (Cacheback web = Cacheback.builder().queue(producer)
                .cache("default", RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(keyPrefix).build()).build()) {
            RedisCountingJob job = new RedisCountingJob(web, JobSettings.builder().name(TestJobCatalog.COUNTING_JOB).build(),
                    redis.redis(), keyPrefix + "fetches");
            for (int i = 0; i < 20; i++) {
                job.asyncRefresh("k" + i);
            }
            assertThat(redis.redis().xlen(producer.streamKey(queue))).isEqualTo(20);

            JvmProcess p = worker("shared", "--redis", TestServers.redisUri(), "--key-prefix", streamPrefix,
                    "--queues", queue, "--concurrency", "2");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> redis.redis().xlen(producer.streamKey(queue)) == 0 || !p.isAlive());
            assertThat(p.isAlive()).as(output(p)).isTrue();
            assertThat(output(p)).contains("cacheback worker consuming [" + queue + "]");
            for (int i = 0; i < 20; i++) {
                assertThat(job.rawGet("k" + i)).as("k" + i).isPresent();
            }
            assertThat(redis.redis().get(keyPrefix + "fetches")).isEqualTo("20");
            assertThat(redis.redis().xrange(producer.deadLetterStreamKey(queue), Range.create("-", "+"))).isEmpty();
            assertThat(redis.redis().xpending(producer.streamKey(queue), producer.group()).getCount()).isZero();

            p.terminate();
            assertThat(p.waitFor(Duration.ofSeconds(30))).as(output(p)).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> output(p).contains("cacheback worker stopped"));
        }
    }
}

package dev.cacheback.spring;

import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker node's lifecycle in one JVM (the two-JVM proof is {@code fleet.WorkerNodeFleetTest}):
 * which properties make a worker node, its non-daemon thread bound to the context, and its refusals
 * at start-up, reported by the failure analyzer.
 */
class WorkerNodeTest {

    private static final String PREFIX = TestServers.uniquePrefix("worker-node") + ":";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class));

    @BeforeAll
    static void redis() {
        URI uri = URI.create(TestServers.redisUri());
        TestServers.require("Redis", uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
    }

    @AfterAll
    static void deleteOurKeys() {
        RedisClient client = RedisClient.create(TestServers.redisUri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> ours = c.sync().keys(PREFIX + "*");
            if (!ours.isEmpty()) {
                c.sync().del(ours.toArray(String[]::new));
            }
        } finally {
            client.shutdown();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OneJob {
        @Bean
        CountingJob workerNodeJob(dev.cacheback.Cacheback cacheback) {
            return new CountingJob(cacheback, JobSettings.builder().name("worker-node.job").build());
        }
    }

    private static String[] redisQueue() {
        return new String[] {"cacheback.queue.type=redis", "cacheback.queue.address=" + TestServers.redisUri(),
                "cacheback.queue.redis.stream-prefix=" + PREFIX + "queue:", "cacheback.queue.redis.block-time=200ms"};
    }

    private static String[] redisCache() {
        return new String[] {"cacheback.caches.default.type=redis", "cacheback.caches.default.address=" + TestServers.redisUri(),
                "cacheback.caches.default.redis.key-prefix=" + PREFIX};
    }

    private static Optional<Thread> keepAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("cacheback-worker-node") && t.isAlive()).findFirst();
    }

    @Test
    void aWorkerNodeHoldsANonDaemonThreadUntilTheContextCloses() {
        runner.withUserConfiguration(OneJob.class).withPropertyValues(redisQueue()).withPropertyValues(redisCache())
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(WorkerNode.class).isRunning()).isTrue();
                    Thread thread = keepAlive().orElseThrow(() -> new AssertionError("no cacheback-worker-node thread"));
                    assertThat(thread.isDaemon()).as("a non-daemon thread keeps the JVM up").isFalse();
                });
        assertThat(keepAlive()).as("closing the context ends the thread").isEmpty();
    }

    @Test
    void aWebNodeAndAnInProcessQueueHoldNoThread() {
        runner.withUserConfiguration(OneJob.class).withPropertyValues(redisQueue()).withPropertyValues(redisCache())
                .withPropertyValues("cacheback.worker.enabled=false").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(keepAlive()).isEmpty();
                });
        runner.withUserConfiguration(OneJob.class).run(context -> {   // in-process queue, in-memory cache: one process
            assertThat(context).hasNotFailed();
            assertThat(keepAlive()).isEmpty();
        });
    }

    @Test
    void aWorkerNodeOnAPrivateCacheRefusesToStartNamingTheFix() {
        runner.withUserConfiguration(OneJob.class).withPropertyValues(redisQueue()).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new CachebackFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("worker node").contains("cacheback.queue.type is redis")
                    .contains("{default=in-memory}").contains("private to this process");
            assertThat(analysis.getAction()).contains("cacheback.caches.default.type").contains("redis or memcached")
                    .contains("cacheback.worker.allow-local-cache=true");
        });
        assertThat(keepAlive()).isEmpty();
    }

    @Test
    void allowLocalCacheLetsAWorkerNodeStartOnAPrivateCache() {
        runner.withUserConfiguration(OneJob.class).withPropertyValues(redisQueue())
                .withPropertyValues("cacheback.worker.allow-local-cache=true").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(keepAlive()).isPresent();
                });
    }

    @Test
    void aWorkerNodeWithoutJobsRefusesToStart() {
        runner.withPropertyValues(redisQueue()).withPropertyValues(redisCache()).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new CachebackFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("no job to refresh");
            assertThat(analysis.getAction()).contains("cacheback.worker.enabled=false");
        });
    }
}

package dev.cacheback.spring;

import dev.cacheback.JobSettings;
import dev.cacheback.redis.RedisRefreshQueue;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Redis wiring (cache and Streams queue with an in-app worker), against the real Redis. */
class RedisWiringTest {

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static String prefix;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class, CachebackHealthAutoConfiguration.class));

    @BeforeAll
    static void redis() {
        URI uri = URI.create(TestServers.redisUri());
        TestServers.require("Redis", uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
        client = RedisClient.create(TestServers.redisUri());
        connection = client.connect();
        prefix = TestServers.uniquePrefix("cacheback-starter-test") + ":";
    }

    @AfterAll
    static void deleteOurKeys() {
        if (connection != null) {
            RedisCommands<String, String> redis = connection.sync();
            List<String> ours = redis.keys(prefix + "*");       // only this run's keys and streams
            if (!ours.isEmpty()) {
                redis.del(ours.toArray(String[]::new));
            }
            connection.close();
            client.shutdown();
        }
    }

    private String[] redisEverything() {
        return new String[] {"cacheback.caches.default.type=redis",
                "cacheback.caches.default.address=" + TestServers.redisUri(),
                "cacheback.caches.default.redis.key-prefix=" + prefix,
                "cacheback.queue.type=redis",
                "cacheback.queue.address=" + TestServers.redisUri(),
                "cacheback.queue.redis.stream-prefix=" + prefix + "queue:",
                "cacheback.queue.redis.block-time=200ms"};
    }

    public static class Service {
        private int calls;

        @Cached(name = "redis-wiring.greeting", lifetime = "1m", refreshTimeout = "10s")
        public String greeting(String name) {
            calls++;
            return "hello " + name + " #" + calls;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Jobs {
        @Bean
        TestClock clock() {
            return new TestClock();
        }

        @Bean
        CachebackBuilderCustomizer clockCustomizer(TestClock clock) {
            return builder -> builder.clock(clock);
        }

        @Bean
        CountingJob redisJob(dev.cacheback.Cacheback cacheback) {
            return new CountingJob(cacheback, JobSettings.builder().name("redis-wiring.job").lifetime(Duration.ofMinutes(1))
                    .refreshTimeout(Duration.ofSeconds(10)).build());
        }

        @Bean
        Service service() {
            return new Service();
        }
    }

    @Test
    void redisCacheAndStreamsQueueWithAnInAppWorker() {
        runner.withUserConfiguration(Jobs.class).withPropertyValues(redisEverything()).run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            assertThat(cacheback.cache("default").describe()).startsWith("redis://");
            assertThat(cacheback.queue()).isInstanceOf(RedisRefreshQueue.class);   // the queue itself, no wrapper
            TestClock clock = context.getBean(TestClock.class);
            CountingJob job = context.getBean(CountingJob.class);
            Service service = context.getBean(Service.class);
            assertThat(job.get("x")).isEqualTo("x#1");
            assertThat(service.greeting("ada")).isEqualTo("hello ada #1");
            assertThat(connection.sync().exists(prefix + job.key("x"))).isEqualTo(1);   // stored in Redis, under the prefix

            clock.advance(Duration.ofMinutes(2));
            assertThat(job.get("x")).isEqualTo("x#1");                                    // stale: a task on the stream
            assertThat(service.greeting("ada")).isEqualTo("hello ada #1");
            await().atMost(Duration.ofSeconds(20)).until(() -> job.get("x").equals("x#2"));
            await().atMost(Duration.ofSeconds(20)).until(() -> service.greeting("ada").equals("hello ada #2"));

            CompositeHealthContributor health = context.getBean("cachebackHealthContributor", CompositeHealthContributor.class);
            HealthIndicator cache = (HealthIndicator) ((CompositeHealthContributor) health.getContributor("caches")).getContributor("default");
            assertThat(cache.health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void aTaskWaitingBeforeStartupIsRunOnceTheJobsExist() {
        String name = TestServers.uniquePrefix("starter-early");
        runner.withPropertyValues(redisEverything()).withPropertyValues("cacheback.worker.enabled=false").run(producer -> {
            CountingJob job = new CountingJob(producer.getBean(dev.cacheback.Cacheback.class), JobSettings.builder().name(name).build());
            job.set("k", "old");
            job.asyncRefresh("k");
            assertThat(job.fetches()).isZero();
        });
        runner.withPropertyValues(redisEverything()).withUserConfiguration(EarlyJob.class)
                .withPropertyValues("early.name=" + name, "early.stream=" + prefix + "queue:{cacheback}").run(worker -> {
                    CountingJob job = worker.getBean(CountingJob.class);
                    await().atMost(Duration.ofSeconds(20)).until(() -> job.fetches() == 1);
                    assertThat(job.rawGet("k").orElseThrow().data()).isEqualTo("k#1");
                    assertThat(connection.sync().exists(prefix + "queue:{cacheback}:dead")).isZero();   // nothing dead-lettered
                });
    }

    /**
     * A job bean created while the runtime (hence its queue) is already open and a task for it waits on
     * the stream: the bean first checks that no consumer takes the task for a while (with a 200 ms block
     * time a started worker would), then exists. Without the starter deferring the worker's start until
     * the context has created its jobs, the task would be dead-lettered as naming an unknown job; without
     * it starting the worker then ({@code startWorker()}), the task would never run.
     */
    @Configuration(proxyBeanMethods = false)
    static class EarlyJob {
        @Bean
        CountingJob earlyJob(dev.cacheback.Cacheback cacheback, Environment env) {
            String stream = env.getRequiredProperty("early.stream");
            String consumer = ((RedisRefreshQueue) cacheback.queue()).consumerName();
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5))
                    .until(() -> connection.sync().xpending(stream, "cacheback").getCount() == 0
                            && !connection.sync().xinfoConsumers(stream, "cacheback").toString().contains(consumer));
            return new CountingJob(cacheback, JobSettings.builder().name(env.getRequiredProperty("early.name")).build());
        }
    }
}

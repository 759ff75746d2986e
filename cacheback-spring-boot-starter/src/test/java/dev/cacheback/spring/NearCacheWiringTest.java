package dev.cacheback.spring;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code cacheback.caches.<alias>.near.*} on the real Redis: two application contexts (two "processes")
 * with a near level over one Redis cache, kept coherent by the Redis backplane; and the errors that
 * name the property to fix.
 */
class NearCacheWiringTest {

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static String prefix;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class));

    @BeforeAll
    static void redis() {
        URI uri = URI.create(TestServers.redisUri());
        TestServers.require("Redis", uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
        client = RedisClient.create(TestServers.redisUri());
        connection = client.connect();
        prefix = TestServers.uniquePrefix("cacheback-near-test") + ":";
    }

    @AfterAll
    static void deleteOurKeys() {
        if (connection != null) {
            RedisCommands<String, String> redis = connection.sync();
            List<String> ours = redis.keys(prefix + "*");
            if (!ours.isEmpty()) {
                redis.del(ours.toArray(String[]::new));
            }
            connection.close();
            client.shutdown();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Jobs {
        @Bean
        CountingJob nearJob(Cacheback cacheback) {
            return new CountingJob(cacheback, JobSettings.builder().name("near-wiring.job").lifetime(Duration.ofMinutes(10)).build());
        }
    }

    private String[] nearOnRedis() {
        return new String[] {"cacheback.caches.default.type=redis",
                "cacheback.caches.default.address=" + TestServers.redisUri(),
                "cacheback.caches.default.redis.key-prefix=" + prefix,
                "cacheback.caches.default.near.enabled=true",
                "cacheback.caches.default.near.maximum-size=1000",
                "cacheback.caches.default.near.max-disconnected-staleness=1s",
                "cacheback.caches.default.near.heartbeat-interval=200ms",
                "cacheback.caches.default.near.channel=" + prefix + "near"};
    }

    @Test
    void aNearLevelOverRedisIsCoherentBetweenTwoApplications() {
        runner.withUserConfiguration(Jobs.class).withPropertyValues(nearOnRedis()).run(first -> {
            runner.withUserConfiguration(Jobs.class).withPropertyValues(nearOnRedis()).run(second -> {
                Cacheback one = first.getBean(Cacheback.class);
                Cacheback two = second.getBean(Cacheback.class);
                assertThat(one.cache("default")).isInstanceOf(TieredBackend.class);
                assertThat(one.cache("default").describe()).startsWith("near(1000) over redis://").contains(prefix + "near");
                TieredBackend nearTwo = (TieredBackend) two.cache("default");
                await().atMost(Duration.ofSeconds(10)).until(nearTwo::nearServing);
                CountingJob jobOne = first.getBean(CountingJob.class);
                CountingJob jobTwo = second.getBean(CountingJob.class);

                assertThat(jobTwo.get("k")).isEqualTo("k#1");
                assertThat(nearTwo.nearSize()).isEqualTo(1);
                jobOne.set("k", "from-first");
                await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                        .until(() -> jobTwo.get("k").equals("from-first"));
            });
        });
    }

    @Test
    void aNearLevelOverMemcachedNeedsItsBackplaneNamed() {
        runner.withPropertyValues("cacheback.caches.default.type=memcached", "cacheback.caches.default.address=127.0.0.1:11211",
                "cacheback.caches.default.near.enabled=true").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .hasMessageContaining("cacheback.caches.default.near.backplane is not set");
                });
        runner.withPropertyValues("cacheback.caches.default.type=memcached", "cacheback.caches.default.address=127.0.0.1:11211",
                "cacheback.caches.default.near.enabled=true", "cacheback.caches.default.near.backplane=rabbitmq").run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause()
                            .hasMessageContaining("cacheback.caches.default.near.backplane-address is not set");
                });
    }

    @Test
    void aMisspelledNearKeyIsRefusedWithTheNearestOne() {
        runner.withPropertyValues("cacheback.caches.default.near.maximum-sise=5").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasMessageContaining("cacheback.caches.default.near.maximum-sise")
                    .hasMessageContaining("near.maximum-size");
        });
    }
}

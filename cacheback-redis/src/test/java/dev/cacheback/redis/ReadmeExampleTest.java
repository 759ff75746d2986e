package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.TaskOptions;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The README section's example, kept compiling and working. */
class ReadmeExampleTest {

    private static final String RUN = TestServers.uniquePrefix("cbtest");
    private static RedisTestSupport redis;

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

    static final class PriceJob extends Job<String, Double> {
        PriceJob(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().lifetime(Duration.ofMinutes(5))
                    .taskOptions(TaskOptions.builder().queue("prices").expiration(Duration.ofMinutes(2)).build()).build());
        }

        @Override
        protected Double fetch(String sku) {
            return 9.99; // the slow call to the pricing service
        }
    }

    @Test
    void theReadmeExampleWorks() {
        String uri = TestServers.redisUri();
        // --- README
        Cacheback cacheback = Cacheback.builder()
                .cache("default", RedisCacheBackend.builder(uri).keyPrefix(RUN + ":shop:").build())
                .queue(RedisRefreshQueue.builder(uri).streamPrefix(RUN + ":queue:")
                        .worker().concurrency(4).queues("cacheback", "prices").build())   // omit worker() to only produce
                .build();
        Double price = new PriceJob(cacheback).get("sku-42");
        // --- end
        try (cacheback) {
            assertThat(price).isEqualTo(9.99);
            assertThat(redis.redis().keys(RUN + ":shop:*")).hasSize(1);
        }
    }

    @Test
    void aJobWithAnOptionTheQueueDoesNotHonourIsRefusedWhenCreated() {
        try (Cacheback cacheback = Cacheback.builder().cache("default", RedisCacheBackend.builder(TestServers.redisUri())
                .keyPrefix(RUN + ":").build()).queue(RedisRefreshQueue.builder(TestServers.redisUri()).build()).build()) {
            assertThatThrownBy(() -> new dev.cacheback.test.CountingJob(cacheback, JobSettings.builder().name("prio")
                    .taskOptions(TaskOptions.builder().priority(1).build()).build()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Redis Streams refresh queue does not honour task option priority");
        }
    }
}

package dev.cacheback.redis;

import dev.cacheback.TaskOptions;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.test.RefreshQueueContract;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

/** The queue contract against the shared Redis, on streams unique to this run. */
class RedisRefreshQueueContractTest extends RefreshQueueContract {

    private static final String STREAM_PREFIX = TestServers.uniquePrefix("cbtest") + ":queue:";
    private static RedisTestSupport redis;

    @BeforeAll
    static void connect() {
        redis = RedisTestSupport.shared();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.deleteKeys(STREAM_PREFIX);
            redis.close();
        }
    }

    @Override
    protected RefreshQueue newQueue(String queueName) {
        return RedisRefreshQueue.builder(TestServers.redisUri()).streamPrefix(STREAM_PREFIX).defaultQueue(queueName)
                .worker(4).blockTime(Duration.ofMillis(200)).build();
    }

    @Override
    protected TaskOptions unhonouredOptions() {
        return TaskOptions.builder().priority(5).build();
    }
}

package dev.cacheback.redis;

import dev.cacheback.TaskOptions;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.test.RefreshQueueContract;
import dev.cacheback.test.TestServers;
import io.lettuce.core.Range;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;
import java.util.List;

/**
 * The queue contract against the shared Redis, on streams unique to this run; the three-process
 * lease test shares a {@link RedisCacheBackend} on the same server.
 */
class RedisRefreshQueueContractTest extends RefreshQueueContract {

    private static final String RUN = TestServers.uniquePrefix("cbtest");
    private static final String STREAM_PREFIX = RUN + ":queue:";
    private static RedisTestSupport redis;

    private final String cachePrefix = TestServers.uniquePrefix(RUN + ":cache") + ":";

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

    @Override
    protected RefreshQueue newQueue(String queueName) {
        return RedisRefreshQueue.builder(TestServers.redisUri()).streamPrefix(STREAM_PREFIX).defaultQueue(queueName)
                .worker().concurrency(4).blockTime(Duration.ofMillis(200)).deferWorkerStart().build();
    }

    @Override
    protected List<String> deadLetterReasons(String queueName, RefreshQueue queue) {
        String dead = ((RedisRefreshQueue) queue).deadLetterStreamKey(queueName);
        return redis.redis().xrange(dead, Range.create("-", "+")).stream().map(m -> m.getBody().get("reason")).toList();
    }

    /** A backend on the shared Redis, under this test's key prefix: the three runtimes share it as processes would. */
    @Override
    protected CacheBackend sharedCache() {
        return RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(cachePrefix).build();
    }

    @Override
    protected TaskOptions unhonouredOptions() {
        return TaskOptions.builder().priority(5).build();
    }
}

package dev.cacheback.redis;

import dev.cacheback.NearCache;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CacheBackendContract;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The backend contract on a near level in front of the shared Redis, kept coherent by a
 * {@link RedisBackplane}: the engine's lease, fencing and stale rules hold through the tiers.
 */
class TieredRedisContractTest extends CacheBackendContract {

    private static final String KEY_PREFIX = TestServers.uniquePrefix("cbtier") + ":";
    private static RedisTestSupport redis;

    @BeforeAll
    static void connect() {
        redis = RedisTestSupport.shared();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.deleteKeys(KEY_PREFIX);
            redis.close();
        }
    }

    @Override
    protected CacheBackend newBackend() {
        return CacheBackend.tiered(RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(KEY_PREFIX).build(),
                NearCache.builder().backplane(RedisBackplane.builder(TestServers.redisUri()).channel(KEY_PREFIX + "near").build())
                        .build());
    }

    /** The near level keeps time on the runtime's clock: let the server's time pass on it too. */
    @Override
    protected void waitForServerTtl(java.time.Duration ttl, java.util.concurrent.Callable<Boolean> gone) {
        clock.advance(ttl.plusMillis(1));
        super.waitForServerTtl(ttl, gone);
    }

    @Override
    protected void writeForeignBytes(String key, byte[] bytes) {
        redis.redis().set(KEY_PREFIX + key, new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}

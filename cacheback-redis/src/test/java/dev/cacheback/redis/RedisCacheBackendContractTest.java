package dev.cacheback.redis;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CacheBackendContract;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The backend contract against the shared Redis, under a key prefix unique to this run. */
class RedisCacheBackendContractTest extends CacheBackendContract {

    private static final String KEY_PREFIX = TestServers.uniquePrefix("cbtest") + ":";
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
        return RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(KEY_PREFIX).build();
    }

    @Override
    protected void writeForeignBytes(String key, byte[] bytes) {
        redis.redis().set(KEY_PREFIX + key, new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}

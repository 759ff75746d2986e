package dev.cacheback.benchmarks;

import dev.cacheback.redis.RedisCacheBackend;
import dev.cacheback.spi.CacheBackend;

/** {@link RemoteHitBenchmark} on Redis: {@code RedisCacheBackend} against raw Lettuce. */
public class RedisHitBenchmark extends RemoteHitBenchmark {

    @Override
    protected CacheBackend newBackend() {
        return RedisCacheBackend.builder(Servers.redisUri()).build();
    }

    @Override
    protected String store() {
        return "redis";
    }
}

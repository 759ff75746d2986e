package dev.cacheback.benchmarks;

import dev.cacheback.memcached.MemcachedCacheBackend;
import dev.cacheback.spi.CacheBackend;

/** {@link RemoteHitBenchmark} on memcached: {@code MemcachedCacheBackend} against raw xmemcached. */
public class MemcachedHitBenchmark extends RemoteHitBenchmark {

    @Override
    protected CacheBackend newBackend() {
        return MemcachedCacheBackend.builder(Servers.memcachedAddress()).build();
    }

    @Override
    protected String store() {
        return "memcached";
    }
}

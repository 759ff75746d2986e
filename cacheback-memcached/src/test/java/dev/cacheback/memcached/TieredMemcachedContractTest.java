package dev.cacheback.memcached;

import dev.cacheback.NearCache;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CacheBackendContract;
import dev.cacheback.test.LocalBackplane;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The backend contract on a near level in front of the shared memcached (the backplane is the test
 * kit's in-JVM one: what is proven here is the tiered backend over memcached's leases and CAS).
 */
class TieredMemcachedContractTest extends CacheBackendContract {

    @Override
    protected CacheBackend newBackend() {
        return CacheBackend.tiered(MemcachedCacheBackend.builder(MemcachedCacheBackendContractTest.address()).build(),
                NearCache.builder().backplane(new LocalBackplane().join()).build());
    }

    /** The near level keeps time on the runtime's clock: let the server's time pass on it too. */
    @Override
    protected void waitForServerTtl(Duration ttl, Callable<Boolean> gone) {
        clock.advance(ttl.plusMillis(1));
        super.waitForServerTtl(ttl, gone);
    }

    @Override
    protected void writeForeignBytes(String key, byte[] bytes) {
        try (MemcachedText raw = new MemcachedText(MemcachedCacheBackendContractTest.address())) {
            raw.set(key, 0, 300, bytes);
        }
    }
}

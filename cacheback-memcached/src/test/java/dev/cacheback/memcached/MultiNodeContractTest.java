package dev.cacheback.memcached;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CacheBackendContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

/**
 * The backend contract on two memcached servers of the test's own, with a key prefix: entries and
 * their leases (whose keys hash apart) spread over both nodes, each behind its own breaker.
 */
class MultiNodeContractTest extends CacheBackendContract {

    private static MemcachedProcess a;
    private static MemcachedProcess b;

    @BeforeAll
    static void startServers() {
        a = MemcachedProcess.start();
        b = MemcachedProcess.start();
    }

    @AfterAll
    static void stopServers() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Override
    protected CacheBackend newBackend() {
        return MemcachedCacheBackend.builder(a.address() + "," + b.address()).keyPrefix("mn:")
                .operationTimeout(Duration.ofMillis(500)).build();
    }

    @Override
    protected void writeForeignBytes(String key, byte[] bytes) {
        // on both nodes: the backend reads the one the key hashes to
        for (MemcachedProcess node : new MemcachedProcess[]{a, b}) {
            try (MemcachedText raw = new MemcachedText(node.address())) {
                raw.set("mn:" + key, 0, 300, bytes);
            }
        }
    }
}

package dev.cacheback.memcached;

import dev.cacheback.Cacheback;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.Stampede;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the owned lease looks on memcached's text protocol (shared memcached, a unique key prefix per
 * run): the lease key holds the holder's token or the free marker; release and extension are
 * {@code gets} + {@code cas} on the holder's own token.
 */
class MemcachedLeaseTest {

    private final String run = TestServers.uniquePrefix("lease");
    private MemcachedText raw;
    private MemcachedCacheBackend backend;
    private Cacheback cacheback;

    @BeforeEach
    void open() {
        String address = MemcachedCacheBackendContractTest.address();
        raw = new MemcachedText(address);
        backend = MemcachedCacheBackend.builder(address).build();
        cacheback = Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build();
    }

    @AfterEach
    void close() {
        if (cacheback != null) {   // null when the set-up skipped for want of a server
            cacheback.close();
        }
        if (raw != null) {
            raw.close();
        }
    }

    private String leaseKey(String key) {
        return key + MemcachedCacheBackend.LEASE_SUFFIX;
    }

    @Test
    void theLeaseKeyHoldsTheTokenThenTheFreeMarkerForAShortTime() {
        String key = run + ":a";
        String token = backend.tryLease(key, Duration.ofMinutes(1));
        assertThat(raw.getString(leaseKey(key))).isEqualTo(token);
        assertThat(raw.remainingTtl(leaseKey(key))).isBetween(58L, 61L);

        assertThat(backend.releaseLease(key, token)).isTrue();

        assertThat(raw.getString(leaseKey(key))).isEqualTo("free");
        assertThat(raw.remainingTtl(leaseKey(key))).isBetween(1L, MemcachedCacheBackend.FREE_MARKER_SECONDS + 1L);
    }

    @Test
    void extendingRewritesTheTokenWithTheNewExpiry() {
        String key = run + ":e";
        String token = backend.tryLease(key, Duration.ofSeconds(10));
        assertThat(backend.extendLease(key, token, Duration.ofMinutes(10))).isTrue();
        assertThat(raw.getString(leaseKey(key))).isEqualTo(token);
        assertThat(raw.remainingTtl(leaseKey(key))).isBetween(598L, 601L);
        assertThat(backend.extendLease(key, "0123456789abcdef", Duration.ofHours(1))).isFalse();
        assertThat(raw.remainingTtl(leaseKey(key))).isBetween(598L, 601L);
    }

    @Test
    void exactlyOneOf32ConcurrentCallersTakesAFreedLease() {
        String key = run + ":freed";
        String first = backend.tryLease(key, Duration.ofMinutes(1));
        assertThat(backend.releaseLease(key, first)).isTrue();

        List<String> taken = Stampede.run(32, () -> backend.tryLease(key, Duration.ofMinutes(1)));

        List<String> winners = taken.stream().filter(Objects::nonNull).toList();
        assertThat(winners).hasSize(1);
        assertThat(raw.getString(leaseKey(key))).isEqualTo(winners.get(0));
    }

    @Test
    void aLeaseKeyHoldingAnythingButTheFreeMarkerIsHeldByAnother() {
        // e.g. the "1" an earlier version stored: held until it expires, never released by a stranger
        String key = run + ":old";
        raw.set(leaseKey(key), 0, 60, "1".getBytes(StandardCharsets.US_ASCII));
        assertThat(backend.tryLease(key, Duration.ofMinutes(1))).isNull();
        assertThat(backend.releaseLease(key, "0123456789abcdef")).isFalse();
        assertThat(backend.extendLease(key, "0123456789abcdef", Duration.ofMinutes(5))).isFalse();
        assertThat(raw.getString(leaseKey(key))).isEqualTo("1");
    }
}

package dev.cacheback.memcached;

import dev.cacheback.CacheEntry;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.EntryCodec;
import dev.cacheback.spi.Keys;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code keyPrefix}: applications sharing one memcached server do not share keys, entries or leases. */
class KeyPrefixTest {

    private static MemcachedProcess server;
    private static MemcachedText raw;

    private final String run = TestServers.uniquePrefix("prefix");
    private final List<Cacheback> runtimes = new ArrayList<>();
    private final EntryCodec<String> codec = EntryCodec.of(Codec.jackson(), String.class);

    @BeforeAll
    static void startServer() {
        server = MemcachedProcess.start();
        raw = new MemcachedText(server.address());
    }

    @AfterAll
    static void stopServer() {
        if (raw != null) {
            raw.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void close() {
        runtimes.forEach(Cacheback::close);
    }

    private MemcachedCacheBackend open(String prefix) {
        MemcachedCacheBackend backend = MemcachedCacheBackend.builder(server.address()).keyPrefix(prefix).build();
        runtimes.add(Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build());
        return backend;
    }

    @Test
    void twoBackendsWithDifferentPrefixesOnOneServerDoNotSeeEachOthersEntriesOrLeases() {
        MemcachedCacheBackend shop = open("shop:");
        MemcachedCacheBackend blog = open("blog:");
        CountingJob shopJob = new CountingJob(runtimes.get(0), JobSettings.builder().name(run + ".same").build());
        CountingJob blogJob = new CountingJob(runtimes.get(1), JobSettings.builder().name(run + ".same").build());
        String key = shopJob.key("a");
        assertThat(blogJob.key("a")).as("the same job key in both applications").isEqualTo(key);

        shopJob.set("a", "from shop");
        assertThat(blogJob.rawGet("a")).as("blog does not see shop's entry").isEmpty();
        blogJob.set("a", "from blog");
        assertThat(shopJob.get("a")).isEqualTo("from shop");
        assertThat(blogJob.get("a")).isEqualTo("from blog");
        assertThat(raw.get("shop:" + key)).as("stored under the prefix").isNotNull();
        assertThat(raw.get("blog:" + key)).isNotNull();
        assertThat(raw.get(key)).as("nothing without a prefix").isNull();

        String shopLease = shop.tryLease(key, Duration.ofMinutes(1));
        assertThat(shopLease).isNotNull();
        assertThat(raw.get("shop:" + key + MemcachedCacheBackend.LEASE_SUFFIX)).as("the lease key is prefixed too")
                .asString().isEqualTo(shopLease);
        String blogLease = blog.tryLease(key, Duration.ofMinutes(1));
        assertThat(blogLease).as("leases are separate").isNotNull();
        assertThat(blog.releaseLease(key, shopLease)).isFalse();
        assertThat(shop.releaseLease(key, shopLease)).isTrue();

        CacheEntry<String> current = blog.get(key, codec);
        assertThat(shop.setIfVersion(key, current.version(), new CacheEntry<>(Instant.now(), "x", CacheEntry.newVersion()),
                Duration.ofMinutes(1), codec)).as("shop's entry has another version").isFalse();

        blogJob.delete("a");
        assertThat(blogJob.rawGet("a")).isEmpty();
        assertThat(shopJob.get("a")).as("a delete in blog leaves shop's entry").isEqualTo("from shop");
        assertThat(shop.getAll(List.of(key), codec)).containsOnlyKeys(key);
        assertThat(blog.getAll(List.of(key), codec)).isEmpty();
    }

    @Test
    void theLongestPrefixWithTheLongestKeyFitsMemcachedsLimitForEntriesAndLeases() {
        String prefix = "p".repeat(MemcachedCacheBackend.MAX_KEY_PREFIX_BYTES - 1) + ":";
        MemcachedCacheBackend backend = open(prefix);
        String key = (run + ":").concat("k".repeat(Keys.MAX_KEY_BYTES - run.length() - 1));
        assertThat((prefix + key + MemcachedCacheBackend.LEASE_SUFFIX).length()).isEqualTo(250);

        CacheEntry<String> entry = new CacheEntry<>(Instant.now(), "long", CacheEntry.newVersion());
        assertThat(backend.setIfVersion(key, CacheEntry.NO_ENTRY, entry, Duration.ofMinutes(1), codec)).isTrue();
        assertThat(backend.get(key, codec)).isEqualTo(entry);
        String token = backend.tryLease(key, Duration.ofMinutes(1));
        assertThat(token).isNotNull();
        assertThat(backend.extendLease(key, token, Duration.ofMinutes(2))).isTrue();
        assertThat(backend.releaseLease(key, token)).isTrue();
        assertThat(raw.get(prefix + key)).isNotNull();
    }

    @Test
    void aPrefixThatCannotFitIsRefusedWhenBuiltNamingTheLimit() {
        assertThat(MemcachedCacheBackend.MAX_KEY_PREFIX_BYTES).isEqualTo(8);
        assertThatThrownBy(() -> MemcachedCacheBackend.builder("127.0.0.1").keyPrefix("checkout:"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keyPrefix \"checkout:\" is 9 bytes; at most 8 fit")
                .hasMessageContaining("memcached keys are at most 250 bytes")
                .hasMessageContaining("such as \"checkou:\"");
        assertThatThrownBy(() -> MemcachedCacheBackend.builder("127.0.0.1").keyPrefix("a b:"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a space");
        assertThatThrownBy(() -> MemcachedCacheBackend.builder("127.0.0.1").keyPrefix(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leave it unset");
        MemcachedCacheBackend.Builder b = MemcachedCacheBackend.builder("127.0.0.1").keyPrefix("shop:");
        assertThatThrownBy(() -> b.keyPrefix("blog:")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("keyPrefix");
    }
}

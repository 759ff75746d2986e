package dev.cacheback.memcached;

import dev.cacheback.CacheEntry;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.EntryCodec;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The builder, the lifecycle (open, close, threads), and a server that is down when the runtime starts. */
class MemcachedCacheBackendTest {

    private final EntryCodec<String> codec = EntryCodec.of(Codec.jackson(), String.class);

    @Test
    void optionsSetTwiceAreAnError() {
        MemcachedCacheBackend.Builder b = MemcachedCacheBackend.builder("127.0.0.1:11211")
                .operationTimeout(Duration.ofMillis(300)).connectTimeout(Duration.ofSeconds(1))
                .reconnectInterval(Duration.ofSeconds(1)).probeInterval(Duration.ofMillis(500)).itemSizeLimit(4096);
        assertThatThrownBy(() -> b.operationTimeout(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("operationTimeout");
        assertThatThrownBy(() -> b.connectTimeout(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.reconnectInterval(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.itemSizeLimit(4096)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.probeInterval(Duration.ofSeconds(2))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("probeInterval");
        assertThat(b.build().maxEntryBytes()).isEqualTo(4096 - 320);
    }

    @Test
    void invalidOptionsAreRefused() {
        MemcachedCacheBackend.Builder b = MemcachedCacheBackend.builder("cache-1");
        assertThatThrownBy(() -> b.operationTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.connectTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.reconnectInterval(Duration.ofNanos(10))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.itemSizeLimit(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.probeInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemcachedCacheBackend.builder(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        MemcachedCacheBackend backend = MemcachedCacheBackend.builder("cache-1 cache-2:11300").build();
        assertThat(backend.describe()).isEqualTo("memcached://cache-1:11211,cache-2:11300");
        assertThat(backend.maxEntryBytes()).isEqualTo(1_048_256);
        assertThat(MemcachedCacheBackend.DEFAULT_OPERATION_TIMEOUT).isEqualTo(Duration.ofSeconds(1));
        assertThat(MemcachedCacheBackend.DEFAULT_PROBE_INTERVAL).isEqualTo(Duration.ofSeconds(1));
        assertThat(backend.shared()).as("every process on the same servers shares it").isTrue();
    }

    @Test
    void aBackendIsOpenedByOneRuntimeAndUnusableBeforeAndAfter() {
        String address = MemcachedCacheBackendContractTest.address();
        MemcachedCacheBackend backend = MemcachedCacheBackend.builder(address).build();
        assertThatThrownBy(() -> backend.get("k", codec)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not opened");
        Cacheback first = Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build();
        try {
            assertThatThrownBy(() -> Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already opened");
        } finally {
            first.close();
        }
        assertThatThrownBy(() -> backend.get("k", codec)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        backend.close();
    }

    @Test
    void closeStopsEveryThreadTheClientStarted() {
        String address = MemcachedCacheBackendContractTest.address();
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        MemcachedCacheBackend backend = MemcachedCacheBackend.builder(address).build();
        Cacheback cacheback = Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build();
        backend.set(TestServers.uniquePrefix("threads"), new CacheEntry<>(Instant.now(), "v"), Duration.ofMinutes(1), codec);
        Set<Thread> started = new HashSet<>(Thread.getAllStackTraces().keySet());
        started.removeAll(before);
        assertThat(started).as("threads of the client").isNotEmpty();

        cacheback.close();
        backend.close();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(started.stream().filter(Thread::isAlive).map(Thread::getName).toList()).isEmpty());
    }

    @Test
    void aServerDownAtStartupDoesNotStopTheRuntimeAndIsUsedOnceItIsUp() {
        MemcachedProcess late = MemcachedProcess.notStarted();
        try (late) {
            MemcachedCacheBackend backend = MemcachedCacheBackend.builder(late.address())
                    .connectTimeout(Duration.ofMillis(500)).operationTimeout(Duration.ofMillis(500))
                    .reconnectInterval(Duration.ofMillis(200)).build();
            try (Cacheback cacheback = Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build()) {
                CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(TestServers.uniquePrefix("late")).build());
                assertThat(job.get("a")).isEqualTo("a#1");
                assertThat(job.get("a")).as("nothing cached: fetched again").isEqualTo("a#2");
                assertThatThrownBy(() -> backend.get("k", codec)).isInstanceOf(CacheBackendException.class)
                        .hasMessageContaining(late.address());

                late.restart();
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    String v = job.get("a");
                    return v.equals(job.get("a"));
                });
                int fetches = job.fetches();
                assertThat(job.get("a")).isEqualTo("a#" + fetches);
                assertThat(job.fetches()).isEqualTo(fetches);
                assertThat(backend.getAll(List.of(job.key("a")), EntryCodec.of(cacheback.codec(), String.class)))
                        .containsOnlyKeys(job.key("a"));
            }
        }
    }
}

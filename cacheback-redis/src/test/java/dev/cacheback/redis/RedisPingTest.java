package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link RedisCacheBackend#ping()} and {@link RedisRefreshQueue#ping()}: the real server, then a closed port. */
class RedisPingTest {

    @Test
    void theBackendAndTheQueueAnswerOnTheRealServer() {
        RedisTestSupport.shared().close();
        RedisCacheBackend backend = RedisCacheBackend.builder(TestServers.redisUri()).build();
        RedisRefreshQueue queue = RedisRefreshQueue.builder(TestServers.redisUri()).build();
        try (Cacheback runtime = Cacheback.builder().cache("default", backend).queue(queue).build()) {
            assertThatCode(backend::ping).doesNotThrowAnyException();
            assertThatCode(queue::ping).doesNotThrowAnyException();
        }
    }

    @Test
    void aClosedPortFailsThePingAtOnceNamingTheServer() {
        String closed = "redis://127.0.0.1:" + TestServers.freePort();
        RedisCacheBackend backend = RedisCacheBackend.builder(closed).connectTimeout(Duration.ofMillis(300)).build();
        RedisRefreshQueue queue = RedisRefreshQueue.builder(closed).connectTimeout(Duration.ofMillis(300)).build();
        try (Cacheback runtime = Cacheback.builder().cache("default", backend).queue(queue).build()) {
            assertThatThrownBy(backend::ping).isInstanceOf(CacheBackendException.class)
                    .hasMessageContaining(closed.substring("redis://".length())).hasMessageContaining("PING");
            assertThatThrownBy(queue::ping).isInstanceOf(RefreshQueueException.class)
                    .hasMessageContaining(closed.substring("redis://".length())).hasMessageContaining("PING");
        }
    }

    @Test
    void aClosedBackendOrQueueFailsThePing() {
        RedisTestSupport.shared().close();
        RedisCacheBackend backend = RedisCacheBackend.builder(TestServers.redisUri()).build();
        RedisRefreshQueue queue = RedisRefreshQueue.builder(TestServers.redisUri()).build();
        Cacheback.builder().cache("default", backend).queue(queue).build().close();
        assertThatThrownBy(backend::ping).isInstanceOf(CacheBackendException.class).hasMessageContaining("closed");
        assertThatThrownBy(queue::ping).isInstanceOf(RefreshQueueException.class).hasMessageContaining("closed");
    }
}

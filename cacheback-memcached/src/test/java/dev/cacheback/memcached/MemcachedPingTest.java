package dev.cacheback.memcached;

import dev.cacheback.Cacheback;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link MemcachedCacheBackend#ping()}: every server answers, or the message names those that did not. */
class MemcachedPingTest {

    @Test
    void pingAnswersWhenEveryServerAnswers() {
        try (MemcachedProcess server = MemcachedProcess.start()) {
            MemcachedCacheBackend backend = MemcachedCacheBackend.builder(server.address()).build();
            try (Cacheback runtime = Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build()) {
                assertThatCode(backend::ping).doesNotThrowAnyException();
            }
        }
    }

    @Test
    void pingNamesTheServerThatDoesNotAnswer() {
        try (MemcachedProcess server = MemcachedProcess.start()) {
            String up = server.address();
            String down = "127.0.0.1:" + TestServers.freePort();   // a closed port
            MemcachedCacheBackend backend = MemcachedCacheBackend.builder(up + " " + down)
                    .connectTimeout(Duration.ofMillis(300)).operationTimeout(Duration.ofMillis(300)).build();
            try (Cacheback runtime = Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build()) {
                assertThatThrownBy(backend::ping).isInstanceOf(CacheBackendException.class)
                        .hasMessageContaining("1 of 2 memcached servers")
                        .hasMessageContaining(down + " (")
                        .satisfies(e -> assertThat(e.getMessage().substring(e.getMessage().indexOf("did not answer")))
                                .doesNotContain(up + " ("));
            }
        }
    }
}

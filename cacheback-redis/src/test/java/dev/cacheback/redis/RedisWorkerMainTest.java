package dev.cacheback.redis;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The standalone worker's command line. (Running it is proven by RedisFaultTest's killed-worker test.) */
class RedisWorkerMainTest {

    @Test
    void parsesTheDocumentedOptions() {
        Map<String, String> options = RedisWorkerMain.parse(new String[]{"--redis", "redis://h:6379", "--queues", "a,b",
                "--concurrency", "8", "--cluster", "--claim-idle", "30"});
        assertThat(options).containsEntry("redis", "redis://h:6379").containsEntry("queues", "a,b")
                .containsEntry("concurrency", "8").containsEntry("cluster", "true").containsEntry("claim-idle", "30");
    }

    @Test
    void refusesUnknownOptionsAndAMissingRedis() {
        assertThatThrownBy(() -> RedisWorkerMain.parse(new String[]{"--queues", "a"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--redis");
        assertThatThrownBy(() -> RedisWorkerMain.parse(new String[]{"--redis", "redis://h", "--threads", "2"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--threads");
        assertThatThrownBy(() -> RedisWorkerMain.parse(new String[]{"--redis"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a value");
    }
}

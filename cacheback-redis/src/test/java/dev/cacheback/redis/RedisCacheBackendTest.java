package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** What the Redis backend adds to the contract: how it lays keys out in Redis, its builder, foreign data. */
class RedisCacheBackendTest {

    private static final String KEY_PREFIX = TestServers.uniquePrefix("cbtest") + ":";
    private static RedisTestSupport redis;

    private final TestClock clock = new TestClock(Instant.now());
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final RecordingListener events = new RecordingListener();
    private Cacheback cacheback;

    @BeforeAll
    static void connect() {
        redis = RedisTestSupport.shared();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.deleteKeys(KEY_PREFIX);
            redis.close();
        }
    }

    @BeforeEach
    void open() {
        cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events)
                .cache("default", RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(KEY_PREFIX).build()).build();
    }

    @AfterEach
    void close() {
        cacheback.close();
    }

    @Test
    void entriesLiveUnderThePrefixWithTheJobsCacheTtlSetAtomically() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("layout").cacheTtl(Duration.ofSeconds(500)).build());
        job.get("a");
        String key = KEY_PREFIX + job.key("a");
        assertThat(redis.redis().exists(key)).isEqualTo(1);
        assertThat(redis.redis().pttl(key)).isBetween(495_000L, 500_000L);
    }

    @Test
    void theLeaseIsAKeyBesideTheEntryWithTheRefreshTimeoutAsItsTtl() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("lease").lifetime(Duration.ofSeconds(10))
                .refreshTimeout(Duration.ofSeconds(40)).build());
        job.get("a");
        clock.advance(Duration.ofSeconds(11));
        job.get("a");
        String lease = KEY_PREFIX + job.key("a") + ":lease";
        assertThat(redis.redis().pttl(lease)).isBetween(35_000L, 40_000L);
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(redis.redis().exists(lease)).as("released after the refresh").isZero();
    }

    @Test
    void foreignBytesAtAJobKeyReadAsAMissAndAreOverwritten() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("foreign").build());
        redis.redis().set(KEY_PREFIX + job.key("f"), "{\"written\":\"by another program\"}");
        assertThat(job.get("f")).isEqualTo("f#1");
        assertThat(events.count("corrupt")).isPositive();
        assertThat(job.rawGet("f").orElseThrow().data()).isEqualTo("f#1");
        assertThat(job.get("f")).isEqualTo("f#1");
        assertThat(job.fetches()).isEqualTo(1);
    }

    @Test
    void aKeyHoldingAnotherRedisTypeReadsAsAMissAndIsOverwritten() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("wrongtype").build());
        redis.redis().rpush(KEY_PREFIX + job.key("w"), "a", "list");
        assertThat(job.get("w")).isEqualTo("w#1");
        assertThat(events.count("corrupt")).isPositive();
        assertThat(events.count("backend.error")).isZero();
        assertThat(redis.redis().type(KEY_PREFIX + job.key("w"))).isEqualTo("string");
        assertThat(job.get("w")).isEqualTo("w#1");
    }

    @Test
    void builderRefusesBadUrisAndOptionsSetTwice() {
        assertThatThrownBy(() -> RedisCacheBackend.builder("http://:secret@x:6379"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis://")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> RedisCacheBackend.builder("redis://x").keyPrefix("a").keyPrefix("b"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> RedisCacheBackend.builder("redis://x").commandTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scriptsRunAgainAfterTheServerForgetsThem() {
        try (RedisServerProcess server = RedisServerProcess.start();
             Cacheback runtime = Cacheback.builder().cache("default", RedisCacheBackend.builder(server.uri()).build()).build()) {
            dev.cacheback.spi.CacheBackend backend = runtime.cache("default");
            String token = backend.tryLease("k", Duration.ofSeconds(30));
            assertThat(backend.extendLease("k", token, Duration.ofSeconds(60))).isTrue();
            assertThat(server.cli("script", "flush").trim()).isEqualTo("OK"); // as after a restart or failover
            assertThat(server.cli("script", "exists", RedisCacheBackend.RELEASE.sha()).trim()).isEqualTo("0");
            assertThat(backend.releaseLease("k", "someone-else")).isFalse();
            assertThat(backend.releaseLease("k", token)).isTrue();
            assertThat(server.cli("script", "exists", RedisCacheBackend.RELEASE.sha()).trim()).isEqualTo("1");
        }
    }

    @Test
    void malformedUrisNeverPutThePasswordInTheMessage() {
        List<String> malformed = List.of("redis://user:secret@", "redis://:secret@host:port", "redis:/user:secret@host",
                "http://user:secret@host", "redis://user:secret@host:6379/notadb", "redis://user:secret@[::1",
                "redis://us@er:secret@", " redis://:secret@host");
        for (String uri : malformed) {
            for (java.util.function.Function<String, Object> builder : List.<java.util.function.Function<String, Object>>of(
                    RedisCacheBackend::builder, RedisRefreshQueue::builder)) {
                Throwable thrown = catchThrowable(() -> builder.apply(uri));
                assertThat(thrown).as(uri).isInstanceOf(IllegalArgumentException.class);
                for (Throwable t = thrown; t != null; t = t.getCause()) {
                    assertThat(String.valueOf(t.getMessage())).as(uri).doesNotContain("secret");
                }
            }
        }
    }

    @Test
    void describeNamesTheServerButNeverTheCredentials() {
        RedisCacheBackend backend = RedisCacheBackend.builder("redis://user:s3cret@cache-1:6380/2").keyPrefix("app:").build();
        assertThat(backend.describe()).isEqualTo("redis://cache-1:6380/2 (key prefix \"app:\")").doesNotContain("s3cret");
        assertThat(RedisCacheBackend.builder("rediss://:pw@c:6379").cluster().build().describe())
                .isEqualTo("redis-clusters://c:6379").doesNotContain("pw");
        assertThat(backend.commandTimeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aBackendServesOneRuntimeOnly() {
        RedisCacheBackend backend = (RedisCacheBackend) cacheback.cache("default");
        assertThatThrownBy(() -> Cacheback.builder().cache("default", backend).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already opened");
    }
}

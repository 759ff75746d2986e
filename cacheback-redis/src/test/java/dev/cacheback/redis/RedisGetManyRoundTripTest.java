package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: what {@code getMany} costs the server, counted by Redis itself ({@code INFO commandstats}
 * on a private redis-server, reset before each measured call).
 */
class RedisGetManyRoundTripTest {

    private static RedisServerProcess server;

    @BeforeAll
    static void start() {
        server = RedisServerProcess.start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Calls of {@code command} since the last {@code CONFIG RESETSTAT}, from {@code INFO commandstats}. */
    static long calls(String info, String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(info);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void aHundredHitsAreOneMgetAndAHundredMissesTwoPlusTheirStores() {
        TestClock clock = new TestClock(Instant.now());
        try (Cacheback runtime = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue())
                .cache("default", RedisCacheBackend.builder(server.uri()).build()).build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name("roundtrips").build());
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                keys.add("k" + i);
            }
            server.cli("config", "resetstat");
            Map<String, String> fetched = job.getMany(keys);
            String missInfo = server.cli("info", "commandstats");
            assertThat(fetched).hasSize(100);
            assertThat(job.fetches()).isEqualTo(100);
            assertThat(calls(missInfo, "mget")).as("the lookup and the second read before fetching").isEqualTo(2);
            assertThat(calls(missInfo, "evalsha")).as("one fenced store per key").isEqualTo(100);
            assertThat(calls(missInfo, "get")).as("per key: the script's read of the version, and verify-writes' read back")
                    .isEqualTo(200);

            server.cli("config", "resetstat");
            assertThat(job.getMany(keys)).isEqualTo(fetched);
            String hitInfo = server.cli("info", "commandstats");
            assertThat(calls(hitInfo, "mget")).isEqualTo(1);
            assertThat(calls(hitInfo, "get")).isZero();
            assertThat(calls(hitInfo, "evalsha")).isZero();
            assertThat(job.fetches()).isEqualTo(100);
        }
    }
}

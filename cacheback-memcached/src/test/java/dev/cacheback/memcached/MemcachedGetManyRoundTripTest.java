package dev.cacheback.memcached;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14: what {@code getMany} costs each memcached server, counted from the servers' own command
 * logs ({@code memcached -vv} prints each command line it reads) on two private servers.
 */
class MemcachedGetManyRoundTripTest {

    private static final Pattern GET_LINE = Pattern.compile("(?m)^<\\d+ gets? ");
    private static final List<Process> servers = new ArrayList<>();
    private static final List<Path> logs = new ArrayList<>();
    private static final List<Integer> ports = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        String binary = MemcachedProcess.binary();
        for (int i = 0; i < 2; i++) {
            int port = TestServers.freePort();
            Path log = Files.createTempFile("cacheback-memcached-vv-", ".log");
            Process p = new ProcessBuilder(binary, "-p", String.valueOf(port), "-U", "0", "-l", "127.0.0.1", "-m", "32",
                    "-u", "nobody", "-vv").redirectErrorStream(true).redirectOutput(log.toFile()).start();
            servers.add(p);
            logs.add(log);
            ports.add(port);
            await().atMost(Duration.ofSeconds(10)).until(() -> TestServers.reachable("127.0.0.1", port));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : servers) {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (Path log : logs) {
            Files.deleteIfExists(log);
        }
    }

    /** Multi-get command lines each server has read so far. */
    private static long[] getCommands() throws IOException {
        long[] counts = new long[logs.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = GET_LINE.matcher(Files.readString(logs.get(i), StandardCharsets.ISO_8859_1)).results().count();
        }
        return counts;
    }

    @Test
    void aHundredHitsOnTwoServersAreOneMultiGetPerServer() throws IOException {
        TestClock clock = new TestClock(Instant.now());
        String servers = "127.0.0.1:" + ports.get(0) + ",127.0.0.1:" + ports.get(1);
        try (Cacheback runtime = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue())
                .cache("default", MemcachedCacheBackend.builder(servers).build()).build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name("roundtrips").build());
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                keys.add("k" + i);
            }
            Map<String, String> fetched = job.getMany(keys);
            assertThat(job.fetches()).isEqualTo(100);
            long[] before = getCommands();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> java.util.Arrays.equals(getCommands(), before));   // the log has caught up
            long[] settled = getCommands();

            assertThat(job.getMany(keys)).isEqualTo(fetched);

            await().atMost(Duration.ofSeconds(5)).until(() -> {
                long[] now = getCommands();
                return now[0] > settled[0] && now[1] > settled[1];
            });
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
            long[] after = getCommands();
            assertThat(after[0] - settled[0]).as("multi-gets on server 1").isEqualTo(1);
            assertThat(after[1] - settled[1]).as("multi-gets on server 2").isEqualTo(1);
            assertThat(job.fetches()).isEqualTo(100);
        }
    }
}

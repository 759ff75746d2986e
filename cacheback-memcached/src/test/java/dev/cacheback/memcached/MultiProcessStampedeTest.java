package dev.cacheback.memcached;

import dev.cacheback.Cacheback;
import dev.cacheback.test.JvmProcess;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The seed's stampede figure across processes: 3 JVMs × 16 threads read one stale key on the shared
 * memcached at once; memcached's {@code add} lease lets exactly one of the 48 reads make a refresh
 * task, and exactly one fetch runs. Tasks run only after every process has read, so all 48 reads
 * meet the stale entry (or its re-stored copy), none a refreshed one. (The seed reads then writes:
 * several tasks.)
 */
class MultiProcessStampedeTest {

    @Test
    void threeProcessesOfSixteenThreadsMakeExactlyOneTaskAndOneFetch() {
        String address = MemcachedCacheBackendContractTest.address();
        String prefix = TestServers.uniquePrefix("mp-stampede");
        String jobName = prefix + ".hot";
        String fetches = prefix + ":fetches";
        String tasks = prefix + ":tasks";
        String go = prefix + ":go";
        String done = prefix + ":done";

        try (MemcachedText raw = new MemcachedText(address)) {
            raw.set(fetches, "0");
            raw.set(tasks, "0");
            raw.set(done, "0");
            // seed a stale entry: stored by a runtime whose clock is an hour behind
            try (Cacheback seeder = Cacheback.builder().clock(new TestClock(Instant.now().minus(Duration.ofHours(1))))
                    .cache("default", MemcachedCacheBackend.builder(address).build()).queue(new ManualRefreshQueue()).build()) {
                new SharedCounterJob(seeder, jobName, raw, fetches).set("hot", "hot@seed");
            }

            List<JvmProcess> processes = new ArrayList<>();
            try {
                for (int i = 1; i <= 3; i++) {
                    processes.add(JvmProcess.start("stampede-" + i, StampedeWorker.class, address, jobName, fetches, tasks, go,
                            done, "3"));
                }
                await("3 processes ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                        .until(() -> processes.stream().allMatch(p -> p.printed("READY")));
                raw.set(go, "1");
                for (JvmProcess p : processes) {
                    assertThat(p.waitFor(Duration.ofSeconds(60))).as("exit code, output: %s", p.lines()).isZero();
                }
            } finally {
                processes.forEach(JvmProcess::close);
            }

            assertThat(processes).allSatisfy(p -> assertThat(p.lines()).contains("SEEN [hot@seed] x16"));
            assertThat(processes.stream().mapToInt(p -> count(p, "ENQUEUED ")).sum()).as("tasks enqueued").isEqualTo(1);
            assertThat(raw.getString(tasks).trim()).as("tasks counted in memcached").isEqualTo("1");
            assertThat(raw.getString(fetches).trim()).as("fetches counted in memcached").isEqualTo("1");
        }
    }

    private static int count(JvmProcess process, String prefix) {
        return process.lines().stream().filter(l -> l.startsWith(prefix))
                .mapToInt(l -> Integer.parseInt(l.substring(prefix.length()).trim())).sum();
    }
}

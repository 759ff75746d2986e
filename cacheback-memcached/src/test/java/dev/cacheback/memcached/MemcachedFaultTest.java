package dev.cacheback.memcached;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two memcached servers of the test's own; one is stopped and started again while a runtime uses
 * both.
 */
class MemcachedFaultTest {

    private static final Duration OPERATION_TIMEOUT = Duration.ofMillis(500);

    private final String prefix = TestServers.uniquePrefix("fault");
    private final RecordingListener events = new RecordingListener();
    private MemcachedProcess a;
    private MemcachedProcess b;
    private MemcachedText rawA;
    private MemcachedText rawB;
    private MemcachedCacheBackend backend;
    private Cacheback cacheback;

    @BeforeEach
    void start() {
        a = MemcachedProcess.start();
        b = MemcachedProcess.start();
        rawA = new MemcachedText(a.address());
        rawB = new MemcachedText(b.address());
        backend = MemcachedCacheBackend.builder(a.address() + " " + b.address())
                .operationTimeout(OPERATION_TIMEOUT).reconnectInterval(Duration.ofMillis(200)).build();
        cacheback = Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).listener(events).build();
    }

    @AfterEach
    void stop() {
        if (cacheback != null) {
            cacheback.close();
        }
        for (AutoCloseable c : new AutoCloseable[]{rawA, rawB, a, b}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void describeNamesEveryServer() {
        assertThat(backend.describe()).isEqualTo("memcached://" + a.address() + "," + b.address());
    }

    @Test
    void aStoppedNodesKeysMissAndAreFetchedInlineWhileTheOtherNodesKeysHitAndItsReturnIsPickedUp() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".job").build());
        Map<String, String> onA = new LinkedHashMap<>();
        Map<String, String> onB = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            String arg = "k" + i;
            String value = job.get(arg);
            String key = job.key(arg);
            boolean inA = rawA.get(key) != null;
            boolean inB = rawB.get(key) != null;
            assertThat(inA ^ inB).as("%s is on exactly one server", key).isTrue();
            (inA ? onA : onB).put(arg, value);
        }
        assertThat(onA).as("keys on node A").isNotEmpty();
        assertThat(onB).as("keys on node B").isNotEmpty();
        int fetchesBefore = job.fetches();

        b.stop();
        String firstB = onB.keySet().iterator().next();
        await("the client sees node B is gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> throwsBackendException(() -> job.rawGet(firstB)));

        // keys on B: read as misses, fetched in the caller's thread, fast (no operation timeout waited)
        long started = System.nanoTime();
        for (Map.Entry<String, String> e : onB.entrySet()) {
            String fresh = job.get(e.getKey());
            assertThat(fresh).isNotEqualTo(e.getValue()).startsWith(e.getKey() + "#");
        }
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(job.fetches()).isEqualTo(fetchesBefore + onB.size());
        assertThat(tookMillis).as("%d reads of keys on the stopped node", onB.size())
                .isLessThan(onB.size() * OPERATION_TIMEOUT.toMillis() / 2);
        assertThat(events.count("backend.error")).isPositive();

        // keys on A keep hitting
        for (Map.Entry<String, String> e : onA.entrySet()) {
            assertThat(job.get(e.getKey())).isEqualTo(e.getValue());
        }
        assertThat(job.fetches()).isEqualTo(fetchesBefore + onB.size());

        // B's keys were not moved to A meanwhile
        for (String arg : onB.keySet()) {
            assertThat(rawA.get(job.key(arg))).as("%s rehashed to node A", arg).isNull();
        }

        // B comes back (empty): the client reconnects by itself and B's keys are stored on B again
        b.restart();
        rawB.close();
        rawB = new MemcachedText(b.address());
        await("node B is used again").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    job.get(firstB);
                    return rawB.get(job.key(firstB)) != null;
                });
        int fetchesAfterReturn = job.fetches();
        String stored = job.get(firstB);
        assertThat(job.get(firstB)).isEqualTo(stored);
        assertThat(job.fetches()).as("a hit on node B again").isEqualTo(fetchesAfterReturn);
        assertThat(rawA.get(job.key(firstB))).isNull();
    }

    @Test
    void aMultiGetTouchingTheStoppedNodeFailsRatherThanAnswerPartially() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".multi").build());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            job.get("m" + i);
            keys.add(job.key("m" + i));
        }
        b.stop();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> throwsBackendException(() -> backend.getAll(keys, dev.cacheback.spi.EntryCodec.of(
                        cacheback.codec(), String.class))));
        assertThatThrownBy(() -> backend.getAll(keys, dev.cacheback.spi.EntryCodec.of(cacheback.codec(), String.class)))
                .isInstanceOf(CacheBackendException.class).hasMessageContaining("multi-get");
    }

    @Test
    void aServerThatDoesNotAnswerFailsTheOperationAfterTheOperationTimeout() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".frozen").build());
        String arg = null;
        String onA = null;
        for (int i = 0; (arg == null || onA == null) && i < 1000; i++) {
            job.get("f" + i);
            if (rawB.get(job.key("f" + i)) != null) {
                arg = arg == null ? "f" + i : arg;
            } else {
                onA = onA == null ? "f" + i : onA;
            }
        }
        assertThat(arg).as("a key on node B").isNotNull();
        assertThat(onA).as("a key on node A").isNotNull();
        String key = job.key(arg);
        b.pause();
        try {
            long started = System.nanoTime();
            assertThatThrownBy(() -> backend.get(key, dev.cacheback.spi.EntryCodec.of(cacheback.codec(), String.class)))
                    .isInstanceOf(CacheBackendException.class)
                    .hasMessageContaining("did not answer get of key \"" + key + "\" within 500 ms")
                    .hasMessageContaining(b.address());
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(tookMillis).isGreaterThanOrEqualTo(OPERATION_TIMEOUT.toMillis()).isLessThan(5_000);

            // the node's breaker is open: its keys fail at once, without being sent, until a probe answers
            long again = System.nanoTime();
            assertThatThrownBy(() -> backend.delete(key))
                    .isInstanceOf(CacheBackendException.class)
                    .hasMessageContaining("not sent")
                    .hasMessageContaining("memcached://" + b.address() + " is not answering")
                    .hasMessageContaining("a probe is tried every 1000 ms");
            assertThat((System.nanoTime() - again) / 1_000_000).as("a refused call waits for nothing")
                    .isLessThan(OPERATION_TIMEOUT.toMillis());
            // the other node is unaffected
            assertThat(job.rawGet(onA)).isPresent();
        } finally {
            b.resume();
        }
        // once it answers again, so does the backend
        String finalArg = arg;
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> !throwsBackendException(() -> job.rawGet(finalArg)));
    }

    private static boolean throwsBackendException(Runnable call) {
        try {
            call.run();
            return false;
        } catch (CacheBackendException e) {
            return true;
        }
    }
}

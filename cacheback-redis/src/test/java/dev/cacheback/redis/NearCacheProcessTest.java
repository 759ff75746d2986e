package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.NearCache;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.JvmProcess;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 item 3: three JVMs with near caches on one Redis (this one and two {@link NearCacheMain}s). A
 * {@code set}, a refresh and a {@code delete} here are answered by the other two within a bounded time.
 */
class NearCacheProcessTest {

    /** What each step may take: the backplane's delivery, plus a child's 10 ms poll on a loaded machine. */
    private static final Duration WITHIN = Duration.ofSeconds(3);

    private final String run = TestServers.uniquePrefix("cbnearjvm");
    private final List<JvmProcess> children = new ArrayList<>();
    private Cacheback here;
    private RedisTestSupport redis;

    @AfterEach
    void stop() {
        children.forEach(JvmProcess::close);
        if (here != null) {
            here.close();
        }
        if (redis != null) {
            redis.deleteKeys(run);
            redis.close();
        }
    }

    @Test
    void aSetARefreshAndADeleteInOneJvmAreAnsweredByTheOtherTwo() {
        redis = RedisTestSupport.shared();
        String keyPrefix = run + ":";
        String channel = run + ":near";
        String jobName = run + ".job";
        for (String name : List.of("p1", "p2")) {
            children.add(JvmProcess.start(name, NearCacheMain.class, TestServers.redisUri(), keyPrefix, channel, jobName, name));
        }
        TieredBackend tiered = (TieredBackend) CacheBackend.tiered(
                RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(keyPrefix).build(),
                NearCache.builder().maxDisconnectedStaleness(Duration.ofSeconds(1))
                        .backplane(RedisBackplane.builder(TestServers.redisUri()).channel(channel)
                                .heartbeatInterval(Duration.ofMillis(200)).build())
                        .build());
        here = Cacheback.builder().queue(new ManualRefreshQueue()).cache("default", tiered).build();
        AtomicInteger fetches = new AtomicInteger();
        Job<String, String> job = new Job<>(here, JobSettings.builder().name(jobName).build()) {
            @Override
            protected String fetch(String key) {
                return "refreshed-here-" + fetches.incrementAndGet();
            }
        };
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .until(() -> children.stream().allMatch(p -> p.printed("READY") || !p.isAlive()));
        assertThat(children).allMatch(JvmProcess::isAlive, "alive and ready");
        await().atMost(WITHIN).until(() -> children.stream().allMatch(p -> p.printed("SEEN fetched-by-")));

        job.set("k", "set-here");
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(10)).until(() -> allLastSeen("set-here"));

        assertThat(job.refresh("k")).isEqualTo("refreshed-here-1");
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(10)).until(() -> allLastSeen("refreshed-here-1"));

        int fetchesBefore = children.stream().mapToInt(p -> count(p, "FETCH ")).sum();
        job.delete("k");
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> children.stream().allMatch(p -> last(p).startsWith("SEEN fetched-by-")));
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                .until(() -> last(children.get(0)).equals(last(children.get(1))));
        for (JvmProcess p : children) {
            System.out.println("FIGURES near 3 JVMs: " + p.lines().stream().filter(l -> l.startsWith("SEEN") || l.startsWith("FETCH")).toList());
        }
        int fetchesAfterDelete = children.stream().mapToInt(p -> count(p, "FETCH ")).sum() - fetchesBefore;
        assertThat(fetchesAfterDelete).isBetween(1, 2); // at most one fetch per process on the miss
        assertThat(job.get("k")).isEqualTo(last(children.get(0)).substring("SEEN ".length()));
    }

    private boolean allLastSeen(String value) {
        return children.stream().allMatch(p -> last(p).equals("SEEN " + value));
    }

    private static String last(JvmProcess p) {
        List<String> seen = p.lines().stream().filter(l -> l.startsWith("SEEN ")).toList();
        return seen.isEmpty() ? "" : seen.get(seen.size() - 1);
    }

    private static int count(JvmProcess p, String prefix) {
        return (int) p.lines().stream().filter(l -> l.startsWith(prefix)).count();
    }
}

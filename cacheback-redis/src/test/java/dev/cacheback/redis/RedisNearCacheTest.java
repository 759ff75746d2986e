package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.NearCache;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.Stampede;
import dev.cacheback.test.TcpProxy;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Near caches of two runtimes (standing for two processes) on the shared Redis, kept coherent by
 * {@link RedisBackplane}s (issue 14 items 1–3): writes in one are answered by the other; a backplane
 * frozen or cut by a {@link TcpProxy} never makes a process serve a replaced value longer than the
 * bound, and it recovers by itself; the stampede guarantees hold through the tiers.
 */
class RedisNearCacheTest {

    private static final Duration BOUND = Duration.ofSeconds(1);
    private static final Duration HEARTBEAT = Duration.ofMillis(200);
    /** What the bound is checked with on this loaded machine: the reader polls every 10 ms, threads get scheduled late. */
    private static final Duration SLACK = Duration.ofMillis(300);

    private final String run = TestServers.uniquePrefix("cbnear");
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private static RedisTestSupport redis;

    @BeforeAll
    static void connect() {
        redis = RedisTestSupport.shared();
    }

    @AfterAll
    static void disconnect() {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        redis.deleteKeys(run);
    }

    /** One "process": a runtime whose default cache is a near level over the shared Redis. */
    private final class Node {
        final ManualRefreshQueue queue = new ManualRefreshQueue();
        final TieredBackend tiered;
        final Cacheback cacheback;
        final CountingJob job;

        Node(String name, Clock clock, String backplaneUri) {
            tiered = (TieredBackend) CacheBackend.tiered(
                    RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(run + ":").build(),
                    NearCache.builder().maxDisconnectedStaleness(BOUND)
                            .backplane(RedisBackplane.builder(backplaneUri).channel(run + ":near").heartbeatInterval(HEARTBEAT).build())
                            .build());
            cacheback = Cacheback.builder().clock(clock).queue(queue).cache("default", tiered).build();
            toClose.add(cacheback);
            job = new CountingJob(cacheback, JobSettings.builder().name(run + ".job").lifetime(Duration.ofMinutes(10)).build()) {
                @Override
                protected String fetch(String args) throws Exception {
                    return super.fetch(args) + "@" + name;
                }
            };
            await().atMost(Duration.ofSeconds(10)).until(tiered::nearServing);
        }
    }

    private Node node(String name) {
        return new Node(name, Clock.systemUTC(), TestServers.redisUri());
    }

    @Test
    void aSetARefreshAndADeleteInOneProcessAreAnsweredByTheOther() {
        Node a = node("a");
        Node b = node("b");
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        assertThat(b.tiered.nearSize()).isEqualTo(1);

        a.job.set("k", "set-by-a");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.get("k").equals("set-by-a"));

        assertThat(a.job.refresh("k")).isEqualTo("k#1@a");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.get("k").equals("k#1@a"));

        a.job.delete("k");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.rawGet("k").isEmpty());
    }

    @Test
    void aFrozenBackplaneNeverServesAReplacedValuePastTheBoundAndRecoversByItself() {
        RedisURI shared = RedisURI.create(TestServers.redisUri());
        TcpProxy proxy = new TcpProxy(shared.getHost(), shared.getPort());
        toClose.add(proxy);
        Node a = node("a");
        Node b = new Node("b", Clock.systemUTC(), "redis://127.0.0.1:" + proxy.port());
        assertThat(b.job.get("k")).isEqualTo("k#1@b");

        proxy.freeze();
        long replaced = System.nanoTime();
        a.job.set("k", "new");
        Duration served = servedOldFor(b, "k#1@b", "new", replaced);
        System.out.println("FIGURES near frozen backplane: replaced value served for " + served.toMillis() + " ms (bound " + BOUND.toMillis() + " ms)");
        assertThat(served).isLessThanOrEqualTo(BOUND.plus(SLACK));
        assertThat(b.tiered.nearServing()).isFalse();

        proxy.restore();
        await().atMost(Duration.ofSeconds(10)).until(b.tiered::nearServing);
        a.job.set("k", "newer");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.get("k").equals("newer"));
        assertThat(b.job.get("k")).isEqualTo("newer");
        assertThat(b.tiered.nearSize()).isEqualTo(1); // served from the near level again
    }

    @Test
    void aCutBackplaneNeverServesAReplacedValuePastTheBoundAndReconnectsByItself() {
        RedisURI shared = RedisURI.create(TestServers.redisUri());
        TcpProxy proxy = new TcpProxy(shared.getHost(), shared.getPort());
        toClose.add(proxy);
        Node a = node("a");
        Node b = new Node("b", Clock.systemUTC(), "redis://127.0.0.1:" + proxy.port());
        assertThat(b.job.get("k")).isEqualTo("k#1@b");

        proxy.cut();
        long replaced = System.nanoTime();
        a.job.set("k", "new");
        Duration served = servedOldFor(b, "k#1@b", "new", replaced);
        System.out.println("FIGURES near cut backplane: replaced value served for " + served.toMillis() + " ms (bound " + BOUND.toMillis() + " ms)");
        assertThat(served).isLessThanOrEqualTo(BOUND.plus(SLACK));

        proxy.restore();
        await().atMost(Duration.ofSeconds(10)).until(() -> b.tiered.nearServing() && b.cacheback.cache("default") != null);
        a.job.set("k", "newer");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.get("k").equals("newer"));
        a.job.set("k", "newest");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.get("k").equals("newest"));
    }

    /** Reads {@code key} every 10 ms until it answers {@code now}; only {@code old} is allowed before. */
    private static Duration servedOldFor(Node node, String old, String now, long replacedNanos) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            String answer = node.job.get("k");
            assertThat(answer).isIn(old, now);
            return answer.equals(now);
        });
        return Duration.ofNanos(System.nanoTime() - replacedNanos);
    }

    @Test
    void aMissStampedeFetchesOncePerProcessAndAStaleKeyIsRefreshedOnceAcrossProcesses() {
        TestClock clock = new TestClock();
        Node a = new Node("a", clock, TestServers.redisUri());
        Node b = new Node("b", clock, TestServers.redisUri());

        List<String> first = Stampede.run(32, () -> a.job.get("k"));
        assertThat(first).containsOnly("k#1@a");
        assertThat(a.job.fetches()).isEqualTo(1);
        assertThat(b.job.get("k")).isEqualTo("k#1@a");

        clock.advance(Duration.ofMinutes(11));
        List<String> stale = Stampede.run(32, () -> (Thread.currentThread().getId() % 2 == 0 ? a : b).job.get("k"));
        assertThat(stale).containsOnly("k#1@a");
        assertThat(a.queue.enqueuedCount() + b.queue.enqueuedCount()).isEqualTo(1);
        a.queue.runPending();
        b.queue.runPending();
        assertThat(a.job.fetches() + b.job.fetches()).isEqualTo(2);
        String refreshed = a.queue.enqueuedCount() == 1 ? "k#2@a" : "k#1@b";
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10))
                .until(() -> a.job.get("k").equals(refreshed) && b.job.get("k").equals(refreshed));
    }
}

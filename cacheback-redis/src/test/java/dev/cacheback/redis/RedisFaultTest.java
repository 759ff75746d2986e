package dev.cacheback.redis;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.JvmProcess;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TcpProxy;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults: Redis unreachable, the queue unreachable, a worker killed mid-task (a frozen or restarted
 * Redis: {@link RedisFleetFaultTest}). Never touches the shared server:
 * connections to it are cut with a {@link TcpProxy}, and the frozen Redis is a private redis-server.
 */
class RedisFaultTest {

    private static final String RUN = TestServers.uniquePrefix("cbtest");
    private static RedisTestSupport redis;

    private final TestClock clock = new TestClock(Instant.now());
    private final RecordingListener events = new RecordingListener();
    private final ListAppender<ILoggingEvent> logLines = new ListAppender<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final String keyPrefix = TestServers.uniquePrefix(RUN) + ":";

    @BeforeAll
    static void connect() {
        redis = RedisTestSupport.shared();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.deleteKeys(RUN);
            redis.close();
        }
    }

    @BeforeEach
    void captureLogs() {
        logLines.start();
        ((Logger) LoggerFactory.getLogger("cacheback")).addAppender(logLines);
    }

    @AfterEach
    void closeAll() throws Exception {
        ((Logger) LoggerFactory.getLogger("cacheback")).detachAppender(logLines);
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private List<String> lines(String containing) {
        return logLines.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(containing)).toList();
    }

    private Cacheback runtime(String uri, Duration commandTimeout) {
        return closeLater(Cacheback.builder().clock(clock).listener(events).queue(new ManualRefreshQueue())
                .cache("default", RedisCacheBackend.builder(uri).keyPrefix(keyPrefix).commandTimeout(commandTimeout).build())
                .build());
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    @Test
    void unreachableRedisMeansInlineFetchesOneLogLinePerIntervalAndRecoveryByItself() {
        RedisURI shared = RedisURI.create(TestServers.redisUri());
        TcpProxy proxy = closeLater(new TcpProxy(shared.getHost(), shared.getPort()));
        Cacheback cacheback = runtime("redis://127.0.0.1:" + proxy.port(), Duration.ofMillis(500));
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("fault.unreachable").build());
        assertThat(job.get("a")).isEqualTo("a#1");

        proxy.cut();
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            assertThat(job.get("a")).isEqualTo("a#" + (i + 2));
            assertThat(since(start)).as("one get while Redis is unreachable").isLessThan(Duration.ofMillis(2500));
        }
        assertThat(events.count("backend.error")).isGreaterThanOrEqualTo(20);
        assertThat(lines("Cache \"default\"")).as("logged once per interval, not once per call").hasSize(1);
        clock.advance(Duration.ofSeconds(31));
        assertThat(job.get("a")).isEqualTo("a#22");
        assertThat(lines("Cache \"default\"")).hasSize(2);
        assertThat(lines("Cache \"default\"").get(1)).contains("similar errors");

        proxy.restore();
        long fetchesBefore = job.fetches();
        // the breaker probes on the runtime's clock: move it on while waiting
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    clock.advance(Duration.ofSeconds(1));
                    return job.get("a") != null && events.count("hit") > 0;
                });
        assertThat(lines("Cache \"default\"").stream().filter(l -> l.contains("answers again"))).hasSize(1);
        long afterRecovery = job.fetches();
        assertThat(afterRecovery - fetchesBefore).isLessThanOrEqualTo(200);
        job.get("a");
        assertThat(job.fetches()).as("served from Redis again").isEqualTo(afterRecovery);
    }

    @Test
    void aStaleReadWhileTheQueueIsUnreachableRefreshesSynchronously() {
        RedisURI shared = RedisURI.create(TestServers.redisUri());
        TcpProxy proxy = closeLater(new TcpProxy(shared.getHost(), shared.getPort()));
        Cacheback cacheback = closeLater(Cacheback.builder().clock(clock).listener(events)
                .cache("default", RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(keyPrefix).build())
                .queue(RedisRefreshQueue.builder("redis://127.0.0.1:" + proxy.port()).streamPrefix(keyPrefix + "queue:")
                        .commandTimeout(Duration.ofMillis(500)).build())
                .build());
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("fault.queue").lifetime(Duration.ofSeconds(10)).build());
        assertThat(job.get("c")).isEqualTo("c#1");
        clock.advance(Duration.ofSeconds(11));
        proxy.cut();
        long start = System.nanoTime();
        assertThat(job.get("c")).isEqualTo("c#1");
        assertThat(since(start)).isLessThan(Duration.ofMillis(2000));
        assertThat(events.count("fallback")).isEqualTo(1);
        assertThat(job.rawGet("c").orElseThrow().data()).isEqualTo("c#2");
        assertThat(job.get("c")).isEqualTo("c#2");
    }

    @Test
    void aTaskOfAWorkerKilledMidTaskIsDoneByAnotherWorker() {
        String uri = TestServers.redisUri();
        String streamPrefix = keyPrefix + "queue:";
        String counterKey = keyPrefix + "attempts";
        String[] workerArgs = {"shared", keyPrefix, "--redis", uri, "--queues", "kill", "--concurrency", "1",
                "--key-prefix", streamPrefix, "--claim-idle", "1"};
        JvmProcess first = closeLater(JvmProcess.start("worker-a", CatalogWorkerMain.class, workerArgs));
        await().atMost(Duration.ofSeconds(60)).until(() -> first.printed("cacheback worker consuming") || !first.isAlive());
        assertThat(first.isAlive()).isTrue();

        RedisRefreshQueue producer = RedisRefreshQueue.builder(uri).streamPrefix(streamPrefix).defaultQueue("kill").build();
        Cacheback cacheback = closeLater(Cacheback.builder().listener(events).queue(producer)
                .cache("default", RedisCacheBackend.builder(uri).keyPrefix(keyPrefix).build()).build());
        HangOnceJob job = new HangOnceJob(cacheback, redis.redis());
        job.asyncRefresh(counterKey);
        assertThat(events.count("enqueued")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> "1".equals(redis.redis().get(counterKey)));

        first.kill();
        assertThat(job.rawGet(counterKey)).as("the first worker never finished").isEmpty();
        JvmProcess second = closeLater(JvmProcess.start("worker-b", CatalogWorkerMain.class, workerArgs));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> job.rawGet(counterKey).map(e -> "done#2".equals(e.data())).orElse(false));
        assertThat(redis.redis().get(counterKey)).isEqualTo("2");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> redis.redis().xpending(producer.streamKey("kill"), producer.group()).getCount() == 0);

        second.terminate();
        second.waitFor(Duration.ofSeconds(30));
        assertThat(second.lines()).anyMatch(l -> l.contains("Claimed refresh task"));
        await("stopped cleanly on SIGTERM (its output read to the end)").atMost(Duration.ofSeconds(5))
                .until(() -> second.lines().stream().anyMatch(l -> l.contains("Redis refresh worker") && l.contains("stopped")));
    }
}

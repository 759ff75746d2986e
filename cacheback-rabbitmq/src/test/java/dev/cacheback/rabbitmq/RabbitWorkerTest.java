package dev.cacheback.rabbitmq;

import com.rabbitmq.client.GetResponse;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TcpProxy;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The consuming side in this process: acknowledgement, bounded retries, dead-lettering, clean stop. */
class RabbitWorkerTest {

    private Broker broker;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        broker = Broker.connect();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        broker.close();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private static RefreshTask task(String job, String key, String argsJson, TaskOptions options, Instant createdAt) {
        return new RefreshTask(job, key, argsJson.getBytes(StandardCharsets.UTF_8), Map.of(), options, createdAt);
    }

    @Test
    void poisonTasksAreDeadLetteredWithTheirReasonAndTheWorkerCarriesOn() throws Exception {
        String q = broker.newQueue("poison");
        RecordingListener listener = new RecordingListener();
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).consume(q)
                .maxAttempts(2).build();
        Cacheback cacheback = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).listener(listener)
                .queue(queue).build());
        CountingJob ok = new CountingJob(cacheback, JobSettings.builder().name("poison.ok").build());
        CountingJob failing = new CountingJob(cacheback, JobSettings.builder().name("poison.failing").build());
        failing.failWith(new IllegalStateException("the database is on fire"));
        assertThat(queue.awaitConsuming(Duration.ofSeconds(10))).isTrue();

        broker.publishRaw(q, "not a task".getBytes(StandardCharsets.UTF_8));
        queue.enqueue(task("nobody.home", "nobody.home:1", "\"x\"", TaskOptions.none(), Instant.now()));
        queue.enqueue(task("poison.ok", "poison.ok:broken", "[1, 2", TaskOptions.none(), Instant.now()));
        failing.asyncRefresh("always");
        ok.asyncRefresh("fine");

        await().atMost(Duration.ofSeconds(30)).until(() -> broker.messageCount(Topology.deadQueue(q)) == 4
                && ok.rawGet("fine").isPresent());
        List<String> reasons = new ArrayList<>();
        for (GetResponse dead : broker.drain(Topology.deadQueue(q))) {
            Map<String, Object> headers = dead.getProps().getHeaders();
            assertThat(headers.get(Topology.QUEUE)).hasToString(q);
            assertThat(headers).containsKey(Topology.DEAD_AT);
            reasons.add(headers.get(Topology.REASON).toString());
        }
        assertThat(reasons).hasSize(4).anySatisfy(r -> assertThat(r).startsWith("malformed task"))
                .anySatisfy(r -> assertThat(r).contains("no job named \"nobody.home\""))
                .anySatisfy(r -> assertThat(r).contains("poison.ok").contains("cannot be run"))
                .anySatisfy(r -> assertThat(r).startsWith("failed 2 times").contains("the database is on fire"));
        assertThat(failing.fetches()).isEqualTo(2);
        assertThat(ok.rawGet("fine").orElseThrow().data()).isEqualTo("fine#1");
        assertThat(listener.count("dropped")).isEqualTo(4);
        assertThat(broker.messageCount(q)).isZero();
    }

    @Test
    void anExpiredTaskIsAcknowledgedAndDroppedUnrun() throws Exception {
        String q = broker.newQueue("expired");
        TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
        RecordingListener listener = new RecordingListener();
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).consume(q).build();
        Cacheback cacheback = closing(Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory())
                .listener(listener).queue(queue).build());
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("expired.job").build());
        assertThat(queue.awaitConsuming(Duration.ofSeconds(10))).isTrue();

        queue.enqueue(task("expired.job", "expired.job:1", "\"old\"",
                TaskOptions.builder().expiration(Duration.ofSeconds(30)).build(), clock.instant().minusSeconds(31)));
        queue.enqueue(task("expired.job", "expired.job:2", "\"young\"",
                TaskOptions.builder().expiration(Duration.ofSeconds(30)).build(), clock.instant().minusSeconds(29)));

        await().atMost(Duration.ofSeconds(20)).until(() -> job.rawGet("young").isPresent() && listener.count("dropped") == 1);
        assertThat(listener.dropReasons()).singleElement().asString().contains("expired");
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(job.rawGet("old")).isEmpty();
        assertThat(broker.messageCount(q)).isZero();
        assertThat(broker.messageCount(Topology.deadQueue(q))).isZero();
    }

    @Test
    void closeLetsTheRunningTaskFinishAndReturnsEveryOtherTaskToTheQueue() throws Exception {
        String q = broker.newQueue("stop");
        RefreshQueue producer = closing(Broker.opened(RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).build(),
                t -> TaskResult.done()));
        for (int i = 0; i < 4; i++) {
            producer.enqueue(task("stop.job", "t" + i, "\"t" + i + "\"", TaskOptions.none(), Instant.now()));
        }
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> handled = new CopyOnWriteArrayList<>();
        RefreshQueue worker = Broker.opened(RabbitRefreshQueue.builder(Broker.uri()).consume(q).prefetch(3).build(), t -> {
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            handled.add(t.key());
            return TaskResult.done();
        });
        assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();

        Thread closer = new Thread(worker::close, "closer");
        closer.start();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(closer::isAlive);
        release.countDown();
        closer.join(20_000);
        assertThat(closer.isAlive()).isFalse();

        assertThat(handled).containsExactly("t0");
        assertThat(broker.messageCount(q)).isEqualTo(3);

        List<String> second = new CopyOnWriteArrayList<>();
        closing(Broker.opened(RabbitRefreshQueue.builder(Broker.uri()).consume(q).build(), t -> {
            second.add(t.key());
            return TaskResult.done();
        }));
        await().atMost(Duration.ofSeconds(20)).until(() -> second.size() == 3);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> second.size() == 3);
        assertThat(second).containsExactlyInAnyOrder("t1", "t2", "t3");
        assertThat(broker.messageCount(Topology.deadQueue(q))).isZero();
    }

    @Test
    void concurrencyRunsThatManyTasksAtOnce() throws Exception {
        String q = broker.newQueue("concurrency");
        CountDownLatch allIn = new CountDownLatch(3);
        AtomicInteger together = new AtomicInteger();
        RefreshQueue queue = closing(Broker.opened(RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).consume(q)
                .concurrency(3).build(), t -> {
            allIn.countDown();
            try {
                if (allIn.await(20, TimeUnit.SECONDS)) {
                    together.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return TaskResult.done();
        }));
        for (int i = 0; i < 3; i++) {
            queue.enqueue(task("c.job", "c" + i, "\"c\"", TaskOptions.none(), Instant.now()));
        }
        await().atMost(Duration.ofSeconds(25)).until(() -> together.get() == 3);
    }

    @Test
    void aWorkerWhoseConnectionIsCutConsumesAgainOnceItIsRecovered() throws Exception {
        String q = broker.newQueue("recover");
        TcpProxy proxy = closing(new TcpProxy(Broker.host(), Broker.port()));
        List<String> handled = new CopyOnWriteArrayList<>();
        RabbitRefreshQueue worker = RabbitRefreshQueue.builder(Broker.uriOnPort(proxy.port())).consume(q)
                .retryInterval(Duration.ofMillis(200)).build();
        closing(Broker.opened(worker, t -> {
            handled.add(t.key());
            return TaskResult.done();
        }));
        RefreshQueue producer = closing(Broker.opened(RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).build(),
                t -> TaskResult.done()));
        assertThat(worker.awaitConsuming(Duration.ofSeconds(10))).isTrue();
        producer.enqueue(task("r.job", "before", "\"b\"", TaskOptions.none(), Instant.now()));
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.contains("before"));

        proxy.cut();
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.channel().consumerCount(q) == 0);
        producer.enqueue(task("r.job", "during", "\"d\"", TaskOptions.none(), Instant.now()));
        proxy.restore();

        await().atMost(Duration.ofSeconds(30)).until(() -> handled.contains("during"));
        assertThat(handled).containsExactly("before", "during");
    }
}

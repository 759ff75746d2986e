package dev.cacheback.rabbitmq;

import com.rabbitmq.client.GetResponse;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.RetryPolicy;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The consuming side in this process, through the runtime's worker engine: acknowledgement, retries
 * through the retry queues, dead-lettering with the reason, clean stop.
 */
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
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).consume(q).deferWorkerStart().build();
        broker.alsoDeleteQueue(Topology.retryQueue(q, 20));
        Cacheback cacheback = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).listener(listener)
                .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(20)).jitter(0).build())
                .queue(queue).build());
        CountingJob ok = new CountingJob(cacheback, JobSettings.builder().name("poison.ok").build());
        CountingJob failing = new CountingJob(cacheback, JobSettings.builder().name("poison.failing").build());
        failing.failWith(new IllegalStateException("the database is on fire"));
        cacheback.startWorkers();
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
            String reason = headers.get(Topology.REASON).toString();
            reasons.add(reason);
            // the failing task was retried once through <q>.retry.20, as attempt 2
            assertThat(((Number) headers.get(Topology.ATTEMPTS)).intValue()).isEqualTo(reason.startsWith("failed") ? 2 : 1);
        }
        assertThat(reasons).hasSize(4).anySatisfy(r -> assertThat(r).startsWith("malformed task"))
                .anySatisfy(r -> assertThat(r).contains("no job named \"nobody.home\""))
                .anySatisfy(r -> assertThat(r).contains("poison.ok").contains("cannot be run"))
                .anySatisfy(r -> assertThat(r).startsWith("failed 2 times").contains("the database is on fire"));
        assertThat(failing.fetches()).isEqualTo(2);
        assertThat(ok.rawGet("fine").orElseThrow().data()).isEqualTo("fine#1");
        assertThat(listener.count("dropped")).isEqualTo(3); // the malformed delivery has no job or key to report
        assertThat(broker.messageCount(q)).isZero();
    }

    @Test
    void anExpiredTaskIsAcknowledgedAndDroppedUnrun() throws Exception {
        String q = broker.newQueue("expired");
        TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
        RecordingListener listener = new RecordingListener();
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).consume(q).deferWorkerStart().build();
        Cacheback cacheback = closing(Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory())
                .listener(listener).queue(queue).build());
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("expired.job").build());
        cacheback.startWorkers();
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
        RabbitRefreshQueue producer = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).build();
        closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(producer).build());
        for (int i = 0; i < 4; i++) {
            producer.enqueue(task("stop.job", "t" + i, "\"t" + i + "\"", TaskOptions.none(), Instant.now()));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> producer.publishCounts().confirmed() == 4);
        Cacheback workerRuntime = Cacheback.builder().cache("default", CacheBackend.inMemory())
                .queue(RabbitRefreshQueue.builder(Broker.uri()).consume(q).concurrency(1).prefetch(3).deferWorkerStart().build())
                .build();
        RecordingJob job = new RecordingJob(workerRuntime, "stop.job");
        job.closeGate();
        workerRuntime.startWorkers();
        await().atMost(Duration.ofSeconds(20)).until(() -> job.started.size() == 1);

        Thread closer = new Thread(workerRuntime::close, "closer");
        closer.start();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(closer::isAlive);
        job.openGate();
        closer.join(20_000);
        assertThat(closer.isAlive()).isFalse();

        assertThat(job.done).containsExactly("t0");
        assertThat(broker.messageCount(q)).isEqualTo(3);

        Cacheback second = closing(Cacheback.builder().cache("default", CacheBackend.inMemory())
                .queue(RabbitRefreshQueue.builder(Broker.uri()).consume(q).deferWorkerStart().build()).build());
        RecordingJob again = new RecordingJob(second, "stop.job");
        second.startWorkers();
        await().atMost(Duration.ofSeconds(20)).until(() -> again.done.size() == 3);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> again.done.size() == 3);
        assertThat(again.done).containsExactlyInAnyOrder("t1", "t2", "t3");
        assertThat(broker.messageCount(Topology.deadQueue(q))).isZero();
    }

    @Test
    void concurrencyRunsThatManyTasksAtOnce() throws Exception {
        String q = broker.newQueue("concurrency");
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).consume(q).concurrency(3)
                .deferWorkerStart().build();
        Cacheback runtime = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(queue).build());
        RecordingJob job = new RecordingJob(runtime, "c.job");
        job.closeGate();
        runtime.startWorkers();
        for (int i = 0; i < 3; i++) {
            queue.enqueue(task("c.job", "c" + i, "\"c" + i + "\"", TaskOptions.none(), Instant.now()));
        }
        await().atMost(Duration.ofSeconds(25)).until(() -> job.fetchesInFlight() == 3);
        job.openGate();
        await().atMost(Duration.ofSeconds(25)).until(() -> job.done.size() == 3);
        assertThat(job.maxConcurrentFetches()).isEqualTo(3);
    }

    @Test
    void aTaskWhoseWorkerLostItsConnectionIsDeliveredAgainAsTheSameAttempt() throws Exception {
        String q = broker.newQueue("redelivered");
        broker.alsoDeleteQueue(Topology.retryQueue(q, 20));
        TcpProxy proxy = closing(new TcpProxy(Broker.host(), Broker.port()));
        RabbitRefreshQueue lostQueue = RabbitRefreshQueue.builder(Broker.uriOnPort(proxy.port())).defaultQueue(q).consume(q)
                .shutdownTimeout(Duration.ofSeconds(2)).deferWorkerStart().build();
        Cacheback lost = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(lostQueue).build());
        RecordingJob held = new RecordingJob(lost, "redelivered.job");
        held.closeGate();
        lost.startWorkers();
        lostQueue.enqueue(task("redelivered.job", "redelivered.job:r", "\"r\"", TaskOptions.none(), Instant.now()));
        await().atMost(Duration.ofSeconds(20)).until(() -> held.fetchesInFlight() == 1);

        RabbitRefreshQueue otherQueue = RabbitRefreshQueue.builder(Broker.uri()).consume(q).deferWorkerStart().build();
        Cacheback other = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(otherQueue)
                .retryPolicy(RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(20)).jitter(0).build())
                .build());
        RecordingJob failing = new RecordingJob(other, "redelivered.job");
        failing.failWith(new IllegalStateException("still failing"));
        other.startWorkers();
        assertThat(failing.fetches()).as("the task is held by the first worker").isZero();

        proxy.cut(); // the first worker's connection drops while it runs the task: the broker delivers it again
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.messageCount(Topology.deadQueue(q)) == 1);
        GetResponse dead = broker.get(Topology.deadQueue(q));
        assertThat(dead.getProps().getHeaders().get(Topology.REASON).toString()).startsWith("failed 2 times");
        assertThat(((Number) dead.getProps().getHeaders().get(Topology.ATTEMPTS)).intValue())
                .as("the redelivery was attempt 1 again, its retry attempt 2").isEqualTo(2);
        assertThat(failing.fetches()).isEqualTo(2);
        held.openGate();
    }

    @Test
    void theDefaultsAreTheSharedOnes() {
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder("amqp://mq").consume("a").build();
        assertThat(queue.describe()).isEqualTo("rabbitmq amqp://mq:5672/ (queue cacheback, consuming a)");
        assertThat(queue.config().concurrency()).isEqualTo(RefreshQueue.DEFAULT_CONCURRENCY);
        assertThat(queue.config().prefetch()).isEqualTo(1);
        assertThat(queue.config().maxUnconfirmed()).isEqualTo(1_000);
        assertThat(queue.config().publishTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(queue.config().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(queue.config().reconnectInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(queue.config().probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(queue.config().shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    }
}

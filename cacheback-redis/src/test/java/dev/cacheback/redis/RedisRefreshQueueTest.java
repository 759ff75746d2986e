package dev.cacheback.redis;

import dev.cacheback.CachebackListener;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskHandler;
import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TcpProxy;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import io.lettuce.core.Range;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What the Redis Streams queue does beyond the contract: dead letters, bounded retries, expiry, bounds, stopping. */
class RedisRefreshQueueTest {

    private static final String STREAM_PREFIX = TestServers.uniquePrefix("cbtest") + ":queue:";
    private static RedisTestSupport redis;

    private final String queueName = TestServers.uniquePrefix("q");
    private final RecordingListener events = new RecordingListener();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void connect() {
        redis = RedisTestSupport.shared();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.deleteKeys(STREAM_PREFIX);
            redis.close();
        }
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private RedisRefreshQueue.Builder builder() {
        return RedisRefreshQueue.builder(TestServers.redisUri()).streamPrefix(STREAM_PREFIX).defaultQueue(queueName)
                .blockTime(Duration.ofMillis(200));
    }

    private RedisRefreshQueue open(RedisRefreshQueue queue, TaskHandler handler, Clock clock) {
        toClose.add(queue);
        queue.open(new QueueContext() {
            @Override
            public TaskHandler handler() {
                return handler;
            }

            @Override
            public Clock clock() {
                return clock;
            }

            @Override
            public CachebackListener listener() {
                return events;
            }
        });
        return queue;
    }

    private static RefreshTask task(String key, TaskOptions options, Instant createdAt) {
        return new RefreshTask("queue.job", key, ("\"" + key + "\"").getBytes(StandardCharsets.UTF_8), Map.of(), options, createdAt);
    }

    private List<StreamMessage<String, String>> deadLetters(RedisRefreshQueue queue) {
        return redis.redis().xrange(queue.deadLetterStreamKey(queueName), Range.create("-", "+"));
    }

    private long pending(RedisRefreshQueue queue) {
        return redis.redis().xpending(queue.streamKey(queueName), queue.group()).getCount();
    }

    @Test
    void aTaskForAnUnknownJobIsDeadLetteredWithTheReason() {
        RedisRefreshQueue queue = open(builder().worker(1).build(),
                t -> TaskResult.unknownJob("no job named \"queue.job\" is registered"), Clock.systemUTC());
        queue.enqueue(task("unknown", TaskOptions.none(), Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(queue).size() == 1);
        StreamMessage<String, String> dead = deadLetters(queue).get(0);
        assertThat(dead.getBody().get("reason")).contains("no job named \"queue.job\"");
        assertThat(RefreshTask.fromBytes(dead.getBody().get("task").getBytes(StandardCharsets.UTF_8)).key()).isEqualTo("unknown");
        assertThat(pending(queue)).isZero();
        assertThat(events.dropReasons()).singleElement().asString().contains("dead-lettered");
    }

    @Test
    void bytesThatAreNoTaskAreDeadLettered() {
        RedisRefreshQueue queue = open(builder().worker(1).build(), t -> TaskResult.done(), Clock.systemUTC());
        redis.redis().xadd(queue.streamKey(queueName), Map.of("task", "{\"not\":\"a task\"}"));
        redis.redis().xadd(queue.streamKey(queueName), Map.of("something", "else"));
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(queue).size() == 2);
        assertThat(deadLetters(queue)).extracting(m -> m.getBody().get("reason"))
                .anySatisfy(r -> assertThat(r).startsWith("unreadable task"))
                .anySatisfy(r -> assertThat(r).contains("no \"task\" field"));
        assertThat(pending(queue)).isZero();
    }

    @Test
    void aFailingTaskIsRetriedUpToMaxDeliveriesThenDeadLettered() {
        AtomicInteger tries = new AtomicInteger();
        RedisRefreshQueue queue = open(builder().worker(1).maxDeliveries(3).claimIdle(Duration.ofMillis(300)).build(),
                t -> TaskResult.failed("upstream said no #" + tries.incrementAndGet(), null), Clock.systemUTC());
        queue.enqueue(task("failing", TaskOptions.none(), Instant.now()));
        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetters(queue).size() == 1);
        assertThat(tries.get()).isEqualTo(3);
        assertThat(deadLetters(queue).get(0).getBody().get("reason"))
                .isEqualTo("failed on each of 3 deliveries; last: upstream said no #3");
        assertThat(pending(queue)).isZero();
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> tries.get() == 3);
    }

    @Test
    void aTaskPastItsExpirationIsDroppedUnrun() {
        TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
        AtomicInteger ran = new AtomicInteger();
        RedisRefreshQueue queue = open(builder().worker(1).build(), t -> {
            ran.incrementAndGet();
            return TaskResult.done();
        }, clock);
        TaskOptions expiring = TaskOptions.builder().expiration(Duration.ofSeconds(30)).build();
        queue.enqueue(task("old", expiring, clock.instant().minusSeconds(31)));
        queue.enqueue(task("young", expiring, clock.instant().minusSeconds(29)));
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 1 && events.count("dropped") == 1);
        assertThat(events.dropReasons()).singleElement().asString().startsWith("task expired");
        await().atMost(Duration.ofSeconds(5)).until(() -> pending(queue) == 0);
        assertThat(deadLetters(queue)).isEmpty();
    }

    @Test
    void theStreamLengthIsBounded() {
        RedisRefreshQueue queue = open(builder().maxLength(10).build(), t -> TaskResult.done(), Clock.systemUTC());
        for (int i = 0; i < 1000; i++) {
            queue.enqueue(task("k" + i, TaskOptions.none(), Instant.now()));
        }
        // MAXLEN ~ trims whole macro nodes (100 entries by default): about maxLength, never the 1000 added
        assertThat(redis.redis().xlen(queue.streamKey(queueName))).isLessThanOrEqualTo(200);
    }

    @Test
    void aProducerOnlyQueueNeverReads() {
        AtomicInteger ran = new AtomicInteger();
        RedisRefreshQueue queue = open(builder().build(), t -> {
            ran.incrementAndGet();
            return TaskResult.done();
        }, Clock.systemUTC());
        queue.enqueue(task("waits", TaskOptions.none(), Instant.now()));
        assertThat(queue.consumedQueues()).isEmpty();
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(3)).until(() -> ran.get() == 0);
        assertThat(redis.redis().xlen(queue.streamKey(queueName))).isEqualTo(1);
        assertThat(pending(queue)).isZero();
    }

    @Test
    void withDeferWorkerStartATaskWaitsUnreadUntilStartWorker() {
        List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();
        RedisRefreshQueue queue = open(builder().worker(1).deferWorkerStart().build(), t -> {
            ran.add(t.key());
            return TaskResult.done();
        }, Clock.systemUTC());
        queue.enqueue(task("early", TaskOptions.none(), Instant.now()));
        // with a 200 ms block time, a started worker would have read the task several times over
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(ran::isEmpty);
        assertThat(redis.redis().xlen(queue.streamKey(queueName))).isEqualTo(1);
        assertThat(pending(queue)).as("no consumer took the task").isZero();
        assertThat(redis.redis().xinfoConsumers(queue.streamKey(queueName), queue.group())).as("no consumer read").isEmpty();

        queue.startWorker();
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.equals(List.of("early")));
        await().atMost(Duration.ofSeconds(5)).until(() -> pending(queue) == 0);
        assertThat(deadLetters(queue)).isEmpty();
        assertThatThrownBy(queue::startWorker).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
    }

    @Test
    void startWorkerNeedsAnOpenedWorkerQueueNotClosed() {
        RedisRefreshQueue notOpened = builder().worker(1).deferWorkerStart().build();
        assertThatThrownBy(notOpened::startWorker).isInstanceOf(IllegalStateException.class).hasMessageContaining("not opened");
        RedisRefreshQueue producer = open(builder().build(), t -> TaskResult.done(), Clock.systemUTC());
        assertThatThrownBy(producer::startWorker).isInstanceOf(IllegalStateException.class).hasMessageContaining("does not consume");
        RedisRefreshQueue closed = open(builder().worker(1).deferWorkerStart().build(), t -> TaskResult.done(), Clock.systemUTC());
        closed.close();
        assertThatThrownBy(closed::startWorker).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        RedisRefreshQueue started = open(builder().worker(1).build(), t -> TaskResult.done(), Clock.systemUTC());
        assertThatThrownBy(started::startWorker).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
        assertThatThrownBy(() -> builder().deferWorkerStart().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker(concurrency)");
        assertThatThrownBy(() -> builder().deferWorkerStart().deferWorkerStart()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void tasksGoToTheStreamOfTheirQueueOption() {
        RedisRefreshQueue queue = open(builder().build(), t -> TaskResult.done(), Clock.systemUTC());
        String other = queueName + "-reports";
        queue.enqueue(task("routed", TaskOptions.builder().queue(other).build(), Instant.now()));
        assertThat(redis.redis().xlen(queue.streamKey(other))).isEqualTo(1);
        assertThat(redis.redis().xlen(queue.streamKey(queueName))).isZero();
    }

    @Test
    void validateAcceptsQueueAndExpirationAndRefusesTheRestByName() {
        RedisRefreshQueue queue = builder().build();
        queue.validate(TaskOptions.builder().queue("reports").expiration(Duration.ofMinutes(1)).build());
        assertThatThrownBy(() -> queue.validate(TaskOptions.builder().delay(Duration.ofSeconds(1)).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("delay").hasMessageContaining("queue, expiration");
        assertThatThrownBy(() -> queue.validate(TaskOptions.fromMap(Map.of("queue", "has space"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("space");
        assertThatThrownBy(() -> builder().queues("a").build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker");
        assertThatThrownBy(() -> builder().worker(1).worker(2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeLetsTheRunningRefreshFinishAndAcknowledgesIt() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        RedisRefreshQueue queue = open(builder().worker(2).build(), t -> {
            started.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return TaskResult.failed("interrupted", e);
            }
            finished.incrementAndGet();
            return TaskResult.done();
        }, Clock.systemUTC());
        queue.enqueue(task("slow", TaskOptions.none(), Instant.now()));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        Thread closer = new Thread(queue::close);
        closer.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> closer.getState() == Thread.State.TIMED_WAITING
                || closer.getState() == Thread.State.WAITING);
        assertThat(closer.isAlive()).as("close waits for the running refresh").isTrue();
        assertThatThrownBy(() -> queue.enqueue(task("late", TaskOptions.none(), Instant.now())))
                .isInstanceOf(RefreshQueueException.class);
        release.countDown();
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(finished.get()).isEqualTo(1);
        assertThat(pending(queue)).isZero();
    }

    @Test
    void enqueueFailsFastWhenRedisIsUnreachable() {
        RedisURI shared = RedisURI.create(TestServers.redisUri());
        TcpProxy proxy = new TcpProxy(shared.getHost(), shared.getPort());
        toClose.add(proxy);
        RedisRefreshQueue queue = open(RedisRefreshQueue.builder("redis://127.0.0.1:" + proxy.port())
                .streamPrefix(STREAM_PREFIX).defaultQueue(queueName).commandTimeout(Duration.ofMillis(500)).build(),
                t -> TaskResult.done(), Clock.systemUTC());
        assertThat(queue.enqueue(task("before", TaskOptions.none(), Instant.now()))).isTrue();
        proxy.cut();
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> queue.enqueue(task("down", TaskOptions.none(), Instant.now())))
                    .isInstanceOf(RefreshQueueException.class).hasMessageContaining(queue.streamKey(queueName));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
        }
        proxy.restore();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> queue.enqueue(task("after", TaskOptions.none(), Instant.now())));
    }
}

package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.RetryPolicy;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.test.CountingJob;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What the Redis Streams transport does beyond the contract: the delayed set on the runtime's clock,
 * malformed entries, expiry, bounds, deferred start, stopping, failing fast.
 */
class RedisRefreshQueueTest {

    private static final String STREAM_PREFIX = TestServers.uniquePrefix("cbtest") + ":queue:";
    private static final String JOB = "queue.job";
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

    /** A runtime on {@code clock} with the queue, an in-memory cache and a job named {@value #JOB}. */
    private CountingJob open(RedisRefreshQueue queue, Clock clock) {
        Cacheback runtime = Cacheback.builder().clock(clock).listener(events).cache("default", CacheBackend.inMemory())
                .queue(queue).retryPolicy(RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofSeconds(10))
                        .jitter(0).build()).build();
        toClose.add(runtime);
        CountingJob job = new CountingJob(runtime, JobSettings.builder().name(JOB).build());
        runtime.startWorkers();
        return job;
    }

    private static RefreshTask task(String key, TaskOptions options, Instant createdAt) {
        return new RefreshTask(JOB, key, ("\"" + key + "\"").getBytes(StandardCharsets.UTF_8), Map.of(), options, createdAt);
    }

    private List<StreamMessage<String, String>> deadLetters(RedisRefreshQueue queue) {
        return redis.redis().xrange(queue.deadLetterStreamKey(queueName), Range.create("-", "+"));
    }

    private long pending(RedisRefreshQueue queue) {
        return redis.redis().xpending(queue.streamKey(queueName), queue.group()).getCount();
    }

    private long delayed(RedisRefreshQueue queue) {
        return redis.redis().zcard(queue.delayedSetKey(queueName));
    }

    @Test
    void aFailedRefreshWaitsInTheDelayedSetUntilItIsDueByTheRuntimesClock() {
        TestClock clock = new TestClock(Instant.now());
        RedisRefreshQueue queue = builder().worker().build();
        CountingJob job = open(queue, clock);
        job.failNext(1);
        queue.enqueue(task("later", TaskOptions.none(), clock.instant()));
        await().atMost(Duration.ofSeconds(10)).until(() -> delayed(queue) == 1);
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(pending(queue)).as("the entry was acknowledged as it moved to the delayed set").isZero();
        assertThat(redis.redis().xlen(queue.streamKey(queueName))).as("and deleted").isZero();
        String member = redis.redis().zrange(queue.delayedSetKey(queueName), 0, -1).get(0);
        assertThat(member.split("\n")[1]).as("the attempt it will be").isEqualTo("2");
        assertThat(redis.redis().zscore(queue.delayedSetKey(queueName), member))
                .isEqualTo((double) clock.instant().plusSeconds(10).toEpochMilli());

        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> job.fetches() == 1);
        clock.advance(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> job.rawGet("later").isPresent());
        assertThat(job.rawGet("later").orElseThrow().data()).isEqualTo("later#2");
        assertThat(delayed(queue)).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> pending(queue) == 0);
        assertThat(deadLetters(queue)).isEmpty();
    }

    @Test
    void theLastFailedAttemptIsDeadLetteredWithItsReasonAndAttempt() {
        TestClock clock = new TestClock(Instant.now());
        RedisRefreshQueue queue = builder().worker().build();
        CountingJob job = open(queue, clock);
        job.failWith(new IllegalStateException("upstream said no"));
        redis.redis().xadd(queue.streamKey(queueName), Map.of("task", new String(task("last", TaskOptions.none(),
                clock.instant()).toBytes(), StandardCharsets.UTF_8), "attempt", "3"));
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(queue).size() == 1);
        Map<String, String> dead = deadLetters(queue).get(0).getBody();
        assertThat(dead.get("reason")).contains("failed 3 times").contains("upstream said no");
        assertThat(dead.get("attempt")).isEqualTo("3");
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(delayed(queue)).isZero();
        assertThat(pending(queue)).isZero();
    }

    @Test
    void bytesThatAreNoTaskAreDeadLettered() {
        RedisRefreshQueue queue = builder().worker().build();
        open(queue, Clock.systemUTC());
        redis.redis().xadd(queue.streamKey(queueName), Map.of("task", "{\"not\":\"a task\"}"));
        redis.redis().xadd(queue.streamKey(queueName), Map.of("something", "else"));
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters(queue).size() == 2);
        assertThat(deadLetters(queue)).extracting(m -> m.getBody().get("reason"))
                .allSatisfy(r -> assertThat(r).startsWith("malformed task"))
                .anySatisfy(r -> assertThat(r).contains("no \"task\" field"));
        assertThat(pending(queue)).isZero();
    }

    @Test
    void aTaskPastItsExpirationIsDroppedUnrun() {
        TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
        RedisRefreshQueue queue = builder().worker().build();
        CountingJob job = open(queue, clock);
        TaskOptions expiring = TaskOptions.builder().expiration(Duration.ofSeconds(30)).build();
        queue.enqueue(task("old", expiring, clock.instant().minusSeconds(31)));
        queue.enqueue(task("young", expiring, clock.instant().minusSeconds(29)));
        await().atMost(Duration.ofSeconds(10)).until(() -> job.fetches() == 1 && events.count("dropped") == 1);
        assertThat(events.dropReasons()).singleElement().asString().startsWith("task expired");
        await().atMost(Duration.ofSeconds(5)).until(() -> pending(queue) == 0);
        assertThat(deadLetters(queue)).isEmpty();
    }

    @Test
    void theStreamLengthIsBounded() {
        RedisRefreshQueue queue = builder().maxLength(10).build();
        open(queue, Clock.systemUTC());
        for (int i = 0; i < 1000; i++) {
            queue.enqueue(task("k" + i, TaskOptions.none(), Instant.now()));
        }
        // MAXLEN ~ trims whole macro nodes (100 entries by default): about maxLength, never the 1000 added
        assertThat(redis.redis().xlen(queue.streamKey(queueName))).isLessThanOrEqualTo(200);
    }

    @Test
    void aProducerOnlyQueueNeverReads() {
        RedisRefreshQueue queue = builder().build();
        CountingJob job = open(queue, Clock.systemUTC());
        queue.enqueue(task("waits", TaskOptions.none(), Instant.now()));
        assertThat(queue.consumedQueues()).isEmpty();
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(3)).until(() -> job.fetches() == 0);
        assertThat(redis.redis().xlen(queue.streamKey(queueName))).isEqualTo(1);
        assertThat(pending(queue)).isZero();
    }

    @Test
    void withDeferWorkerStartATaskWaitsUnreadUntilStartWorker() {
        RedisRefreshQueue queue = builder().worker().deferWorkerStart().build();
        Cacheback runtime = Cacheback.builder().listener(events).cache("default", CacheBackend.inMemory()).queue(queue).build();
        toClose.add(runtime);
        queue.enqueue(task("early", TaskOptions.none(), Instant.now()));
        CountingJob job = new CountingJob(runtime, JobSettings.builder().name(JOB).build());
        // with a 200 ms block time, a started worker would have read the task several times over
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> job.fetches() == 0);
        assertThat(redis.redis().xlen(queue.streamKey(queueName))).isEqualTo(1);
        assertThat(pending(queue)).as("no consumer took the task").isZero();
        assertThat(redis.redis().xinfoConsumers(queue.streamKey(queueName), queue.group())).as("no consumer read").isEmpty();

        runtime.startWorkers();
        runtime.startWorkers(); // idempotent
        await().atMost(Duration.ofSeconds(10)).until(() -> job.rawGet("early").isPresent());
        await().atMost(Duration.ofSeconds(5)).until(() -> pending(queue) == 0);
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(deadLetters(queue)).isEmpty();
    }

    @Test
    void startWorkerNeedsAnOpenedQueueNotClosed() {
        RedisRefreshQueue notOpened = builder().worker().deferWorkerStart().build();
        assertThatThrownBy(notOpened::startWorker).isInstanceOf(IllegalStateException.class).hasMessageContaining("not opened");
        RedisRefreshQueue producer = builder().build();
        open(producer, Clock.systemUTC());
        producer.startWorker(); // nothing to start
        RedisRefreshQueue closed = builder().worker().deferWorkerStart().build();
        open(closed, Clock.systemUTC());
        closed.close();
        assertThatThrownBy(closed::startWorker).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> builder().deferWorkerStart().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker()");
        assertThatThrownBy(() -> builder().concurrency(3).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker()");
        assertThatThrownBy(() -> builder().deferWorkerStart().deferWorkerStart()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void defaultsAreTheSharedQueueNameAndConcurrency() {
        RedisRefreshQueue queue = RedisRefreshQueue.builder(TestServers.redisUri()).worker().build();
        assertThat(queue.consumedQueues()).containsExactly("cacheback");
        assertThat(queue.streamKey("cacheback")).isEqualTo("cacheback:queue:{cacheback}");
        assertThat(queue.delayedSetKey("cacheback")).isEqualTo("cacheback:queue:{cacheback}:delayed");
        assertThat(queue.deadLetterStreamKey("cacheback")).isEqualTo("cacheback:queue:{cacheback}:dead");
        assertThat(queue.concurrency()).isEqualTo(2);
    }

    @Test
    void tasksGoToTheStreamOfTheirQueueOption() {
        RedisRefreshQueue queue = builder().build();
        open(queue, Clock.systemUTC());
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
        assertThatThrownBy(() -> builder().worker().worker()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeLetsTheRunningRefreshFinishAndAcknowledgesIt() throws Exception {
        RedisRefreshQueue queue = builder().worker().build();
        CountingJob job = open(queue, Clock.systemUTC());
        job.closeGate();
        queue.enqueue(task("slow", TaskOptions.none(), Instant.now()));
        await().atMost(Duration.ofSeconds(10)).until(() -> job.fetchesInFlight() == 1);
        Thread closer = new Thread(queue::close);
        closer.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> closer.getState() == Thread.State.TIMED_WAITING
                || closer.getState() == Thread.State.WAITING);
        assertThat(closer.isAlive()).as("close waits for the running refresh").isTrue();
        assertThatThrownBy(() -> queue.enqueue(task("late", TaskOptions.none(), Instant.now())))
                .isInstanceOf(RefreshQueueException.class);
        job.openGate();
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(job.rawGet("slow")).isPresent();
        assertThat(pending(queue)).isZero();
    }

    @Test
    void enqueueFailsFastWhenRedisIsUnreachable() {
        RedisURI shared = RedisURI.create(TestServers.redisUri());
        TcpProxy proxy = new TcpProxy(shared.getHost(), shared.getPort());
        toClose.add(proxy);
        RedisRefreshQueue queue = RedisRefreshQueue.builder("redis://127.0.0.1:" + proxy.port())
                .streamPrefix(STREAM_PREFIX).defaultQueue(queueName).commandTimeout(Duration.ofMillis(500)).build();
        open(queue, Clock.systemUTC());
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

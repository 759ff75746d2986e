package dev.cacheback.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TcpProxy;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The publishing side and the options: the queue's contract as seen on the wire, and the fallback when the broker is gone. */
class RabbitRefreshQueueTest {

    static RefreshTask task(String key, TaskOptions options) {
        return new RefreshTask("wire.job", key, ("\"" + key + "\"").getBytes(StandardCharsets.UTF_8), Map.of("a", "b"),
                options, Instant.parse("2030-01-02T03:04:05Z"));
    }

    /** Configuration and option checks: no broker needed. */
    @Nested
    class Configuration {

        @Test
        void onlyAmqpUrisAreAcceptedAndPasswordsNeverShow() {
            assertThatThrownBy(() -> RabbitRefreshQueue.builder("redis://user:s3cret@mq:6379").build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("amqp://").hasMessageContaining("redis://user@mq:6379")
                    .hasMessageNotContaining("s3cret");
            RabbitRefreshQueue queue = RabbitRefreshQueue.builder("amqp://user:s3cret@mq.example:5673/jobs").build();
            assertThat(queue.describe()).isEqualTo("rabbitmq amqp://mq.example:5673/jobs (queue cacheback)")
                    .doesNotContain("s3cret");
            assertThat(RabbitRefreshQueue.builder("amqps://u:p@mq").consume("a", "b").build().describe())
                    .isEqualTo("rabbitmq amqps://mq:5671/ (queue cacheback, consuming a, b)");
        }

        @Test
        void aUriEndingInABareSlashNamesTheEmptyVirtualHostAndIsRefusedWithTheFix() {
            assertThatThrownBy(() -> RabbitRefreshQueue.builder("amqp://user:s3cret@mq:5672/").build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty virtual host")
                    .hasMessageContaining("amqp://user@mq:5672)").hasMessageContaining("%2F")
                    .hasMessageNotContaining("s3cret");
            assertThat(RabbitRefreshQueue.builder("amqp://user:s3cret@mq:5672/%2F").build().describe())
                    .isEqualTo("rabbitmq amqp://mq:5672/ (queue cacheback)");
            assertThat(RabbitRefreshQueue.builder("amqp://user:s3cret@mq:5672").build().describe())
                    .isEqualTo("rabbitmq amqp://mq:5672/ (queue cacheback)");
        }

        @Test
        void optionsSetTwiceAndWorkerOptionsWithoutConsumingAreErrors() {
            assertThatThrownBy(() -> RabbitRefreshQueue.builder("amqp://mq").publishTimeout(Duration.ofSeconds(1))
                    .publishTimeout(Duration.ofSeconds(2))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("publishTimeout");
            assertThatThrownBy(() -> RabbitRefreshQueue.builder("amqp://mq").reconnectInterval(Duration.ofSeconds(3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 2 s");
            assertThatThrownBy(() -> RabbitRefreshQueue.builder("amqp://mq").maxUnconfirmed(0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxUnconfirmed");
            assertThatThrownBy(() -> RabbitRefreshQueue.builder("amqp://mq").concurrency(4).prefetch(2).build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("concurrency, prefetch").hasMessageContaining("consume(");
            assertThatThrownBy(() -> RabbitRefreshQueue.builder("amqp://mq").defaultQueue("amq.tasks"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("amq.");
            assertThatThrownBy(() -> RabbitRefreshQueue.builder("amqp://mq").concurrency(0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1 and");
        }

        @Test
        void everyKnownOptionIsHonouredWithinRabbitMqLimits() {
            RabbitRefreshQueue queue = RabbitRefreshQueue.builder("amqp://mq").build();
            assertThatCode(() -> queue.validate(TaskOptions.builder().queue("reports").priority(10)
                    .delay(Duration.ofSeconds(5)).expiration(Duration.ofSeconds(30)).build())).doesNotThrowAnyException();
            assertThatThrownBy(() -> queue.validate(TaskOptions.builder().priority(11).build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 0 and 10");
            assertThatThrownBy(() -> queue.validate(TaskOptions.builder().delay(Duration.ofSeconds(10))
                    .expiration(Duration.ofSeconds(10)).build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be longer than 'delay'");
            assertThatThrownBy(() -> queue.validate(TaskOptions.builder().queue("amq.gen").build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserves");
            assertThatThrownBy(() -> queue.validate(TaskOptions.fromMap(Map.of("countdown", "5"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("countdown")
                    .hasMessageContaining("it honours queue, priority, delay, expiration");
        }

        @Test
        void aQueueNotOpenedByARuntimeRefusesToPublish() {
            RabbitRefreshQueue queue = RabbitRefreshQueue.builder("amqp://mq").build();
            assertThatThrownBy(() -> queue.enqueue(task("k", TaskOptions.none())))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not opened");
            assertThatThrownBy(queue::startWorker).isInstanceOf(IllegalStateException.class);
        }
    }

    /** Retry queues: one per bucket, the backoff rounded up to keep its three highest bits. */
    @Test
    void aRetryWaitsForItsBackoffRoundedUpByLessThanAQuarter() {
        assertThat(Topology.retryBucketMillis(Duration.ofMillis(20))).isEqualTo(20);
        assertThat(Topology.retryBucketMillis(Duration.ofMillis(40))).isEqualTo(40);
        assertThat(Topology.retryBucketMillis(Duration.ofMillis(1000))).isEqualTo(1024);
        assertThat(Topology.retryBucketMillis(Duration.ofMillis(1025))).isEqualTo(1280);
        assertThat(Topology.retryBucketMillis(Duration.ofMinutes(5))).isEqualTo(327_680);
        assertThat(Topology.retryBucketMillis(Duration.ZERO)).isEqualTo(1);
        for (long ms = 1; ms < 2_000_000; ms = ms * 3 / 2 + 1) {
            long bucket = Topology.retryBucketMillis(Duration.ofMillis(ms));
            assertThat(bucket).as("bucket of %d ms", ms).isGreaterThanOrEqualTo(ms).isLessThan(ms + ms / 4 + 1);
        }
        assertThat(Topology.retryQueue("tasks", 1024)).isEqualTo("tasks.retry.1024");
    }

    /** Against the real broker. */
    @Nested
    class OnTheBroker {
        private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
        private final Broker broker;

        OnTheBroker() throws Exception {
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

        /** {@code queue} opened by a runtime of its own (in-memory cache), closed after the test. */
        private RabbitRefreshQueue opened(RabbitRefreshQueue queue) {
            closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(queue).build());
            return queue;
        }

        /**
         * A worker runtime consuming with {@code queue} (built with {@code deferWorkerStart()}), running a
         * {@link RecordingJob} named {@code job}, started once the job exists.
         */
        private RecordingJob worker(RabbitRefreshQueue queue, String job) {
            Cacheback runtime = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(queue).build());
            RecordingJob recording = new RecordingJob(runtime, job);
            runtime.startWorkers();
            return recording;
        }

        @Test
        void aConfirmedTaskIsADurablePersistentMessageWithItsOptions() throws Exception {
            String q = broker.newQueue("wire");
            RabbitRefreshQueue queue = opened(RabbitRefreshQueue.builder(Broker.uri()).build());
            RefreshTask sent = task("wire-key", TaskOptions.builder().queue(q).priority(7).expiration(Duration.ofSeconds(30)).build());

            assertThat(queue.enqueue(sent)).isTrue();

            await().atMost(Duration.ofSeconds(10)).until(() -> queue.publishCounts().confirmed() == 1);
            assertThat(queue.publishCounts().inFlight()).isZero();
            GetResponse got = broker.get(q);
            assertThat(got).isNotNull();
            assertThat(RefreshTask.fromBytes(got.getBody())).isEqualTo(sent);
            assertThat(got.getProps().getDeliveryMode()).isEqualTo(2);
            assertThat(got.getProps().getPriority()).isEqualTo(7);
            assertThat(got.getProps().getExpiration()).isEqualTo("30000");
            assertThat(got.getProps().getContentType()).isEqualTo("application/json");
            assertThat(got.getProps().getHeaders().get(Topology.JOB)).hasToString("wire.job");
            assertThat(got.getProps().getHeaders().get(Topology.KEY)).hasToString("wire-key");
            // declared durable with x-max-priority 10 (re-declaring with other arguments would fail), beside its dead-letter queue
            Channel ch = broker.channel();
            assertThat(ch.queueDeclare(q, true, false, false, Map.of("x-max-priority", 10)).getMessageCount()).isZero();
            assertThat(ch.queueDeclarePassive(Topology.deadQueue(q)).getMessageCount()).isZero();
        }

        @Test
        void higherPriorityTasksRunFirst() throws Exception {
            String q = broker.newQueue("priority");
            RabbitRefreshQueue producer = opened(RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).build());
            for (int i = 0; i < 3; i++) {
                producer.enqueue(task("low" + i, TaskOptions.builder().priority(1).build()));
            }
            producer.enqueue(task("high", TaskOptions.builder().priority(9).build()));
            producer.enqueue(task("none", TaskOptions.none()));
            await().atMost(Duration.ofSeconds(10)).until(() -> producer.publishCounts().confirmed() == 5);

            RecordingJob job = worker(RabbitRefreshQueue.builder(Broker.uri()).consume(q).concurrency(1)
                    .deferWorkerStart().build(), "wire.job");
            await().atMost(Duration.ofSeconds(20)).until(() -> job.started.size() == 5);
            assertThat(job.started).containsExactly("high", "low0", "low1", "low2", "none");
        }

        @Test
        void aDelayedTaskWaitsInItsWaitQueueThenRuns() throws Exception {
            String q = broker.newQueue("delay");
            broker.alsoDeleteQueue(Topology.waitQueue(q, Duration.ofMillis(1500)));
            Map<String, Long> arrived = new ConcurrentHashMap<>();
            RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).consume(q)
                    .deferWorkerStart().build();
            Cacheback runtime = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(queue).build());
            new RecordingJob(runtime, "wire.job") {
                @Override
                protected String fetch(String args) throws Exception {
                    arrived.put(args, System.nanoTime());
                    return super.fetch(args);
                }
            };
            runtime.startWorkers();
            long start = System.nanoTime();
            queue.enqueue(task("later", TaskOptions.builder().delay(Duration.ofMillis(1500)).build()));
            queue.enqueue(task("now", TaskOptions.none()));

            await().atMost(Duration.ofSeconds(20)).until(() -> arrived.size() == 2);
            assertThat(arrived.get("now")).isLessThan(arrived.get("later"));
            assertThat(Duration.ofNanos(arrived.get("later") - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
            assertThat(broker.messageCount(Topology.waitQueue(q, Duration.ofMillis(1500)))).isZero();
        }

        @Test
        void aClosedPortMeansASynchronousRefreshAndTheCallerStillGetsItsValue() {
            int closedPort = TestServers.freePort();
            String q = broker.newQueue("closed");
            TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
            RecordingListener listener = new RecordingListener();
            Cacheback cacheback = closing(Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory())
                    .listener(listener)
                    .queue(RabbitRefreshQueue.builder(Broker.uriOnPort(closedPort)).defaultQueue(q).build()).build());
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("closed.job")
                    .lifetime(Duration.ofSeconds(10)).build());
            assertThat(job.get("k")).isEqualTo("k#1");
            clock.advance(Duration.ofSeconds(11));

            long start = System.nanoTime();
            assertThat(job.get("k")).isEqualTo("k#1");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

            assertThat(listener.count("fallback")).isEqualTo(1);
            assertThat(listener.count("enqueued")).isZero();
            assertThat(job.fetches()).isEqualTo(2);
            assertThat(job.rawGet("k").orElseThrow().data()).isEqualTo("k#2");
        }

        @Test
        void aCutConnectionMeansSynchronousRefreshesUntilItIsRecovered() throws Exception {
            String q = broker.newQueue("cut");
            TcpProxy proxy = closing(new TcpProxy(Broker.host(), Broker.port()));
            TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
            RecordingListener listener = new RecordingListener();
            RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uriOnPort(proxy.port())).defaultQueue(q)
                    .reconnectInterval(Duration.ofMillis(200)).build();
            Cacheback cacheback = closing(Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory())
                    .listener(listener).queue(queue).build());
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("cut.job")
                    .lifetime(Duration.ofSeconds(10)).refreshTimeout(Duration.ofSeconds(5)).build());
            assertThat(job.get("k")).isEqualTo("k#1");
            clock.advance(Duration.ofSeconds(11));
            assertThat(job.get("k")).isEqualTo("k#1");
            assertThat(listener.count("enqueued")).isEqualTo(1);
            // a task handed off but not yet confirmed when the connection drops may be lost (its lease then
            // expires): wait for the confirm, so that this test counts messages exactly
            await().atMost(Duration.ofSeconds(10)).until(() -> queue.publishCounts().confirmed() == 1);

            proxy.cut();
            await().atMost(Duration.ofSeconds(10)).until(() -> !queue.isPublisherConnected());
            clock.advance(Duration.ofSeconds(6));
            long start = System.nanoTime();
            assertThat(job.get("k")).isEqualTo("k#1");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(listener.count("fallback")).isEqualTo(1);
            assertThat(job.fetches()).isEqualTo(2);
            assertThat(job.rawGet("k").orElseThrow().data()).isEqualTo("k#2");

            proxy.restore();
            await().atMost(Duration.ofSeconds(20)).until(queue::isPublisherConnected);
            clock.advance(Duration.ofSeconds(11));
            assertThat(job.get("k")).isEqualTo("k#2");
            assertThat(listener.count("enqueued")).isEqualTo(2);
            assertThat(listener.count("fallback")).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(q) == 2);
        }

        @Test
        void aClosedQueueRefusesTasksAndNamesItself() {
            RefreshQueue queue = opened(RabbitRefreshQueue.builder(Broker.uri()).build());
            queue.close();
            assertThatThrownBy(() -> queue.enqueue(task("late", TaskOptions.none())))
                    .isInstanceOf(RefreshQueueException.class).hasMessageContaining("closed");
        }
    }
}

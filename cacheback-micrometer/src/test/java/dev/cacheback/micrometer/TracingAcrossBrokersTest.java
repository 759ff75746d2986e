package dev.cacheback.micrometer;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.rabbitmq.RabbitRefreshQueue;
import dev.cacheback.redis.RedisRefreshQueue;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.observation.Observation;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The trace crosses a real broker: in a web runtime a request reads stale data, the refresh task goes
 * through Redis Streams or RabbitMQ as bytes, and in a worker runtime of its own the refresh span is a
 * child of the request's enqueue span, in the request's trace. Each test uses a queue of its own.
 */
class TracingAcrossBrokersTest {

    private static final String JOB = "traced.quote";

    private final Tracing tracing = new Tracing();
    private final TestClock clock = new TestClock(Instant.now());
    private final List<Cacheback> runtimes = new ArrayList<>();

    @AfterEach
    void close() {
        closeRuntimes();
        tracing.close();
    }

    private void closeRuntimes() {
        for (int i = runtimes.size() - 1; i >= 0; i--) {
            runtimes.get(i).close();
        }
        runtimes.clear();
    }

    /**
     * A runtime on {@code queue}, observed in the shared registry (as two services exporting to one
     * collector); a worker queue must defer its start, so that the job exists before the first task.
     */
    private CountingJob runtime(RefreshQueue queue) {
        Cacheback cacheback = Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory()).queue(queue)
                .instrumentation(CachebackObservations.of(tracing.registry)).build();
        runtimes.add(cacheback);
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(JOB).lifetime(Duration.ofSeconds(10))
                .refreshTimeout(Duration.ofSeconds(30)).build());
        cacheback.startWorkers();
        return job;
    }

    /**
     * A web runtime that only publishes reads, lets the entry go stale and reads it inside a request;
     * {@code published} looks at the broker; then a worker runtime of its own (another queue client,
     * another cache) runs the task, and its refresh span must continue the request's trace.
     */
    private void staleReadInARequestIsRefreshedInItsTrace(RefreshQueue publisher, Runnable published,
                                                          Supplier<RefreshQueue> worker) {
        CountingJob web = runtime(publisher);
        assertThat(web.get("ACME")).isEqualTo("ACME#1");
        clock.advance(Duration.ofSeconds(11));
        Observation request = Observation.start("http.request", tracing.registry);
        try (Observation.Scope ignored = request.openScope()) {
            assertThat(web.get("ACME")).isEqualTo("ACME#1");          // stale: served, the task goes to the broker
        }
        request.stop();
        published.run();

        CountingJob workerJob = runtime(worker.get());
        await().atMost(Duration.ofSeconds(20)).until(() -> tracing.spans("cacheback refresh " + JOB).size() == 1);
        assertThat(workerJob.fetches()).as("the worker runtime refreshed").isEqualTo(1);

        SpanData http = tracing.span("http.request");
        SpanData enqueue = tracing.span("cacheback enqueue " + JOB);
        SpanData refresh = tracing.span("cacheback refresh " + JOB);
        assertThat(enqueue.getTraceId()).isEqualTo(http.getTraceId());
        assertThat(enqueue.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(refresh.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(refresh.getTraceId()).as("the worker's refresh is in the request's trace").isEqualTo(http.getTraceId());
        assertThat(refresh.getParentSpanId()).as("a child of the request's enqueue").isEqualTo(enqueue.getSpanId());
        assertThat(refresh.getParentSpanContext().isRemote()).as("whose context came over the wire").isTrue();
        SpanData workerFetch = tracing.spans("cacheback fetch " + JOB).stream()
                .filter(f -> f.getParentSpanId().equals(refresh.getSpanId())).findFirst().orElseThrow();
        assertThat(workerFetch.getTraceId()).isEqualTo(http.getTraceId());
        assertThat(tracing.timer("cacheback.task.refresh", "job", JOB, "outcome", "done", "decision", "acknowledged")
                .count()).isEqualTo(1);
    }

    @Test
    void acrossRedisStreams() {
        RedisURI uri = RedisURI.create(TestServers.redisUri());
        TestServers.require("Redis", uri.getHost(), uri.getPort());
        String prefix = TestServers.uniquePrefix("cbtest-trace") + ":";
        try {
            RedisRefreshQueue publisher = RedisRefreshQueue.builder(TestServers.redisUri()).streamPrefix(prefix)
                    .defaultQueue("traced").build();
            staleReadInARequestIsRefreshedInItsTrace(publisher, () -> {
                List<String> tasks = redisStream(publisher.streamKey("traced"));
                assertThat(tasks).hasSize(1);
                assertThat(tasks.get(0)).as("the trace context in the task's bytes on the stream")
                        .contains("\"trace\":{\"traceparent\":\"00-" + tracing.span("http.request").getTraceId() + "-");
            }, () -> RedisRefreshQueue.builder(TestServers.redisUri()).streamPrefix(prefix).defaultQueue("traced")
                    .blockTime(Duration.ofMillis(200)).worker().deferWorkerStart().build());
        } finally {
            closeRuntimes();
            deleteRedisKeys(prefix);
        }
    }

    @Test
    void acrossRabbitMq() throws Exception {
        URI uri = URI.create(TestServers.rabbitUri());
        TestServers.require("RabbitMQ", uri.getHost() == null ? "127.0.0.1" : uri.getHost(),
                uri.getPort() < 0 ? 5672 : uri.getPort());
        String queue = TestServers.uniquePrefix("cacheback-test-trace");
        try {
            staleReadInARequestIsRefreshedInItsTrace(RabbitRefreshQueue.builder(TestServers.rabbitUri()).defaultQueue(queue)
                    .build(), () -> { }, () -> RabbitRefreshQueue.builder(TestServers.rabbitUri()).defaultQueue(queue)
                    .consume(queue).deferWorkerStart().build());
        } finally {
            closeRuntimes();
            deleteRabbitQueues(queue, queue + ".dead");
        }
    }

    /** The task field of every entry of a stream. */
    private static List<String> redisStream(String key) {
        RedisClient client = RedisClient.create(TestServers.redisUri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            return connection.sync().xrange(key, io.lettuce.core.Range.create("-", "+")).stream()
                    .map(m -> m.getBody().get("task")).toList();
        } finally {
            client.shutdown();
        }
    }

    private static void deleteRedisKeys(String prefix) {
        RedisClient client = RedisClient.create(TestServers.redisUri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            for (String key : connection.sync().keys(prefix + "*")) {
                connection.sync().del(key);
            }
        } finally {
            client.shutdown();
        }
    }

    private static void deleteRabbitQueues(String... queues) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(TestServers.rabbitUri());
        try (Connection connection = factory.newConnection("cacheback-test-admin"); Channel channel = connection.createChannel()) {
            for (String queue : queues) {
                channel.queueDelete(queue);
            }
        }
    }
}

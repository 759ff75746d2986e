package dev.cacheback.micrometer;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import io.micrometer.observation.Observation;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link CachebackObservations} on OpenTelemetry through Micrometer Tracing, with the in-process
 * queues: the spans of a request that reads, finds stale data and enqueues, continued by the worker's
 * refresh; and the timers the same observations make.
 */
class CachebackObservationsTest {

    private static final String JOB = "obs.quote";

    private final Tracing tracing = new Tracing();
    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private Cacheback cacheback;

    @AfterEach
    void close() {
        if (cacheback != null) {
            cacheback.close();
        }
        tracing.close();
    }

    private CountingJob job(CachebackObservations observations, RefreshQueue refreshQueue) {
        cacheback = Cacheback.builder().clock(clock).queue(refreshQueue).instrumentation(observations).build();
        return new CountingJob(cacheback, JobSettings.builder().name(JOB).lifetime(Duration.ofSeconds(10))
                .refreshTimeout(Duration.ofSeconds(5)).build());
    }

    private static String attribute(SpanData span, String key) {
        return span.getAttributes().get(AttributeKey.stringKey(key));
    }

    @Test
    void aWorkersRefreshContinuesTheTraceOfTheRequestThatFoundTheEntryStale() {
        CountingJob job = job(CachebackObservations.of(tracing.registry), queue);
        Observation request = Observation.start("http.request", tracing.registry);
        try (Observation.Scope ignored = request.openScope()) {
            assertThat(job.get("ACME")).isEqualTo("ACME#1");           // miss: fetched in the request
            clock.advance(Duration.ofSeconds(11));
            assertThat(job.get("ACME")).isEqualTo("ACME#1");           // stale: served, a refresh enqueued
        }
        request.stop();

        RefreshTask task = queue.pending().get(0);
        assertThat(queue.runPending()).isEqualTo(1);                    // the worker, outside the request
        assertThat(job.rawGet("ACME").orElseThrow().data()).isEqualTo("ACME#2");

        SpanData http = tracing.span("http.request");
        List<SpanData> gets = tracing.spans("cacheback get " + JOB);
        List<SpanData> fetches = tracing.spans("cacheback fetch " + JOB);
        SpanData enqueue = tracing.span("cacheback enqueue " + JOB);
        SpanData refresh = tracing.span("cacheback refresh " + JOB);
        assertThat(gets).hasSize(2).allSatisfy(get -> {
            assertThat(get.getTraceId()).isEqualTo(http.getTraceId());
            assertThat(get.getParentSpanId()).isEqualTo(http.getSpanId());
        });
        assertThat(gets).extracting(get -> attribute(get, "status")).containsExactly("miss", "stale");
        assertThat(fetches).hasSize(2);
        assertThat(fetches.get(0).getParentSpanId()).as("the request's fetch is the miss's child")
                .isEqualTo(gets.get(0).getSpanId());
        assertThat(enqueue.getParentSpanId()).as("the enqueue is the stale read's child").isEqualTo(gets.get(1).getSpanId());
        assertThat(enqueue.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(attribute(enqueue, "outcome")).isEqualTo("enqueued");
        assertThat(attribute(enqueue, "queue")).isEqualTo(RefreshQueue.DEFAULT_QUEUE);

        assertThat(task.traceContext()).as("the W3C trace context travels in the task").containsOnlyKeys("traceparent");
        assertThat(task.traceContext().get("traceparent")).as("version, trace id, the enqueue span's id, flags")
                .matches("00-" + http.getTraceId() + "-" + enqueue.getSpanId() + "-[0-9a-f]{2}");
        assertThat(refresh.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(refresh.getTraceId()).as("the worker's refresh is in the request's trace").isEqualTo(http.getTraceId());
        assertThat(refresh.getParentSpanId()).as("as a child of the enqueue").isEqualTo(enqueue.getSpanId());
        assertThat(refresh.getParentSpanContext().isRemote()).isTrue();
        assertThat(attribute(refresh, "outcome")).isEqualTo("done");
        assertThat(attribute(refresh, "decision")).isEqualTo("acknowledged");
        assertThat(attribute(refresh, "attempt")).isEqualTo("1");
        assertThat(fetches.get(1).getParentSpanId()).as("the worker's fetch is the refresh's child")
                .isEqualTo(refresh.getSpanId());

        String key = job.key("ACME");
        assertThat(tracing.spans()).as("keys and arguments are never tags").allSatisfy(span ->
                assertThat(span.getAttributes().asMap().values()).noneMatch(v -> v.toString().contains(key)
                        || v.toString().contains("ACME")));
    }

    @Test
    void theSameObservationsAreTimersTaggedWithJobStatusOutcomeAndDecision() {
        CountingJob job = job(CachebackObservations.of(tracing.registry), queue);
        job.get("a");                                                  // miss
        job.get("a");                                                  // hit
        clock.advance(Duration.ofSeconds(11));
        job.get("a");                                                  // stale, enqueued
        queue.runPending();

        assertThat(tracing.timer("cacheback.job.get", "job", JOB, "cache", "default", "status", "miss").count()).isEqualTo(1);
        assertThat(tracing.timer("cacheback.job.get", "job", JOB, "status", "hit").count()).isEqualTo(1);
        assertThat(tracing.timer("cacheback.job.get", "job", JOB, "status", "stale").count()).isEqualTo(1);
        assertThat(tracing.timer("cacheback.job.fetch", "job", JOB, "cache", "default", "outcome", "success").count())
                .isEqualTo(2);
        assertThat(tracing.timer("cacheback.task.enqueue", "job", JOB, "queue", "cacheback", "outcome", "enqueued").count())
                .isEqualTo(1);
        assertThat(tracing.timer("cacheback.task.refresh", "job", JOB, "queue", "cacheback", "outcome", "done",
                "decision", "acknowledged").count()).isEqualTo(1);
        assertThat(tracing.meters.get("cacheback.task.refresh").timer().getId().getTagsAsIterable())
                .as("attempt is high-cardinality: on spans, not meters")
                .noneMatch(tag -> tag.getKey().equals("attempt"));

        job.failWith(new IllegalStateException("source down"));
        clock.advance(Duration.ofSeconds(11));
        job.get("a");                                                  // stale again
        queue.runPending();                                            // fails: retried later
        assertThat(tracing.timer("cacheback.job.fetch", "job", JOB, "outcome", "failure", "error",
                "IllegalStateException").count()).isEqualTo(1);
        assertThat(tracing.timer("cacheback.task.refresh", "job", JOB, "outcome", "failed", "decision",
                "retry_scheduled", "error", "IllegalStateException").count()).isEqualTo(1);
    }

    @Test
    void aRetriedTaskKeepsItsTraceContextEveryAttemptIsAChildOfTheEnqueue() {
        CountingJob job = job(CachebackObservations.of(tracing.registry), queue);
        job.get("a");
        clock.advance(Duration.ofSeconds(11));
        job.failNext(1);
        Observation request = Observation.start("http.request", tracing.registry);
        try (Observation.Scope ignored = request.openScope()) {
            job.get("a");
        }
        request.stop();
        queue.runPending();                                            // attempt 1 fails: retried after its backoff
        clock.advance(Duration.ofMinutes(1));
        queue.runPending();                                            // attempt 2 succeeds
        assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("a#3");

        SpanData enqueue = tracing.span("cacheback enqueue " + JOB);
        List<SpanData> attempts = tracing.spans("cacheback refresh " + JOB);
        assertThat(attempts).hasSize(2).allSatisfy(attempt -> {
            assertThat(attempt.getTraceId()).isEqualTo(tracing.span("http.request").getTraceId());
            assertThat(attempt.getParentSpanId()).isEqualTo(enqueue.getSpanId());
        });
        assertThat(attempts).extracting(a -> attribute(a, "attempt") + " " + attribute(a, "decision"))
                .containsExactly("1 retry_scheduled", "2 acknowledged");
    }

    @Test
    void aQueueThatRefusesIsAFallbackEnqueueAndAFailingGetIsAnError() {
        CountingJob job = job(CachebackObservations.of(tracing.registry), queue);
        job.get("a");
        queue.refuseTasks(true);
        job.asyncRefresh("a");                                         // refused: refreshed synchronously
        assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("a#2");
        assertThat(tracing.timer("cacheback.task.enqueue", "job", JOB, "outcome", "fallback").count()).isEqualTo(1);
        assertThat(tracing.span("cacheback enqueue " + JOB).getStatus().getStatusCode())
                .isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);

        job.failWith(new IllegalStateException("source down"));
        assertThatThrownBy(() -> job.get("b")).hasMessage("source down");
        assertThat(tracing.timer("cacheback.job.get", "job", JOB, "status", "miss", "error", "IllegalStateException")
                .count()).isEqualTo(1);
    }

    @Test
    void aTaskForAJobTheWorkerLacksIsObservedAsJobUnknownAndATaskWithoutTraceContextStartsItsOwnTrace() {
        job(CachebackObservations.of(tracing.registry), queue);
        String older = "{\"v\":1,\"job\":\"" + JOB + "\",\"key\":\"k\",\"args\":\""
                + java.util.Base64.getEncoder().encodeToString("\"x\"".getBytes(StandardCharsets.UTF_8))
                + "\",\"init\":{},\"createdAt\":\"" + clock.instant() + "\",\"options\":{}}";
        RefreshTask withoutTrace = RefreshTask.fromBytes(older.getBytes(StandardCharsets.UTF_8));
        assertThat(withoutTrace.traceContext()).isEmpty();
        queue.enqueue(withoutTrace);
        queue.enqueue(new RefreshTask("ghost.job", "ghost.job:1", "\"x\"".getBytes(StandardCharsets.UTF_8), Map.of(),
                TaskOptions.none(), clock.instant()));
        queue.runPending();

        List<SpanData> refreshes = tracing.spans().stream().filter(s -> s.getName().startsWith("cacheback refresh")).toList();
        assertThat(refreshes).hasSize(2);
        assertThat(refreshes.get(0).getParentSpanContext().isValid()).as("no trace context: a root span").isFalse();
        assertThat(tracing.timer("cacheback.task.refresh", "job", "unknown", "outcome", "unknown_job", "decision",
                "dead_lettered").count()).isEqualTo(1);
        assertThat(tracing.meters.find("cacheback.task.refresh").tag("job", "ghost.job").timer()).isNull();
    }

    @Test
    void withoutGetsTheEnqueueIsTheRequestsChildAndHitsMakeNoObservation() {
        CountingJob job = job(CachebackObservations.of(tracing.registry).withoutGets(), queue);
        Observation request = Observation.start("http.request", tracing.registry);
        try (Observation.Scope ignored = request.openScope()) {
            job.get("a");
            job.get("a");
            clock.advance(Duration.ofSeconds(11));
            job.get("a");
        }
        request.stop();
        queue.runPending();
        assertThat(tracing.meters.find("cacheback.job.get").timer()).isNull();
        SpanData http = tracing.span("http.request");
        assertThat(tracing.span("cacheback enqueue " + JOB).getParentSpanId()).isEqualTo(http.getSpanId());
        assertThat(tracing.span("cacheback refresh " + JOB).getTraceId()).isEqualTo(http.getTraceId());
    }

    @Test
    void aStaleMarkInTheBackgroundAndAFetchWithATimeoutStayInTheRequestsTrace() {
        List<Runnable> marks = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService fetches = Executors.newSingleThreadExecutor();
        cacheback = Cacheback.builder().clock(clock).queue(queue).markStaleInBackground(marks::add)
                .fetchExecutor(fetches).instrumentation(CachebackObservations.of(tracing.registry)).build();
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(JOB).lifetime(Duration.ofSeconds(10))
                .hardFetchTimeout(Duration.ofSeconds(10)).build());
        Observation request = Observation.start("http.request", tracing.registry);
        try (Observation.Scope ignored = request.openScope()) {
            job.get("a");                                              // miss: fetched on the fetch pool
            clock.advance(Duration.ofSeconds(11));
            job.get("a");                                              // stale: the mark is handed off
        }
        request.stop();
        try {
            assertThat(marks).hasSize(1);
            marks.get(0).run();                                        // another thread's turn, after the request
            queue.runPending();
            String trace = tracing.span("http.request").getTraceId();
            List<SpanData> gets = tracing.spans("cacheback get " + JOB);
            SpanData fetch = tracing.spans("cacheback fetch " + JOB).get(0);
            assertThat(fetch.getTraceId()).as("the fetch on the fetch pool").isEqualTo(trace);
            assertThat(fetch.getParentSpanId()).isEqualTo(gets.get(0).getSpanId());
            SpanData enqueue = tracing.span("cacheback enqueue " + JOB);
            assertThat(enqueue.getParentSpanId()).as("the background mark's enqueue").isEqualTo(gets.get(1).getSpanId());
            assertThat(tracing.span("cacheback refresh " + JOB).getTraceId()).isEqualTo(trace);
        } finally {
            fetches.shutdownNow();
        }
    }

    @Test
    void theInProcessQueuesWorkerThreadContinuesTheTrace() throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(1);
        try {
            clock.set(Instant.now());
            CountingJob job = job(CachebackObservations.of(tracing.registry), RefreshQueue.inProcess(workers));
            job.get("a");
            clock.advance(Duration.ofSeconds(11));
            Observation request = Observation.start("http.request", tracing.registry);
            try (Observation.Scope ignored = request.openScope()) {
                job.get("a");
            }
            request.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> tracing.spans("cacheback refresh " + JOB).size() == 1);
            SpanData refresh = tracing.span("cacheback refresh " + JOB);
            assertThat(refresh.getTraceId()).isEqualTo(tracing.span("http.request").getTraceId());
            assertThat(refresh.getParentSpanId()).isEqualTo(tracing.span("cacheback enqueue " + JOB).getSpanId());
        } finally {
            cacheback.close();
            workers.shutdown();
            assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}

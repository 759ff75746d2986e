package dev.cacheback;

import ch.qos.logback.classic.Level;
import dev.cacheback.spi.MalformedTaskException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link Instrumentation} seam without any telemetry library: which units are observed, in what
 * nesting, with which tags; the trace context from the enqueue to the worker and on the wire; and an
 * instrumentation that throws, which never fails a read or a refresh.
 */
class InstrumentationTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private Cacheback cacheback;

    @AfterEach
    void close() {
        if (cacheback != null) {
            cacheback.close();
        }
    }

    /** Records "start …", "tag k=v", "error …", "end …" lines; enqueue writes a traceparent. */
    static final class Recording implements Instrumentation {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<Map<String, String>> received = new CopyOnWriteArrayList<>();

        private Observed observed(String unit) {
            lines.add("start " + unit);
            return new Observed() {
                @Override
                public void tag(String key, String value) {
                    lines.add("tag " + key + "=" + value);
                }

                @Override
                public void error(Throwable failure) {
                    lines.add("error " + failure.getMessage());
                }

                @Override
                public void close() {
                    lines.add("end " + unit);
                }
            };
        }

        @Override
        public Observed get(String job, String cacheAlias) {
            return observed("get " + job + " " + cacheAlias);
        }

        @Override
        public Observed fetch(String job, String cacheAlias) {
            return observed("fetch " + job);
        }

        @Override
        public Observed enqueue(String job, String queue, Map<String, String> traceContext) {
            traceContext.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            return observed("enqueue " + job + " " + queue);
        }

        @Override
        public Observed refresh(String job, String queue, Map<String, String> traceContext, int attempt) {
            received.add(traceContext);
            return observed("refresh " + job + " " + queue + " #" + attempt);
        }

        @Override
        public CachebackListener listener() {
            return new CachebackListener() {
                @Override
                public void onHit(String job, String key) {
                    lines.add("hit");
                }

                @Override
                public void onStale(String job, String key, boolean syncFetch) {
                    lines.add("stale");
                }
            };
        }
    }

    private CountingJob job(Instrumentation instrumentation) {
        cacheback = Cacheback.builder().clock(clock).queue(queue).instrumentation(instrumentation).build();
        return new CountingJob(cacheback, JobSettings.builder().name("inst").lifetime(Duration.ofSeconds(10)).build());
    }

    @Test
    void noneIsTheDefaultAndTheOptionIsSetOnce() {
        try (Cacheback plain = Cacheback.builder().build()) {
            assertThat(plain.instrumentation()).isSameAs(Instrumentation.NONE);
        }
        assertThatThrownBy(() -> Cacheback.builder().instrumentation(new Recording()).instrumentation(new Recording()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("instrumentation");
    }

    @Test
    void unitsNestAsTheWorkDoesAndTheTraceContextReachesTheWorker() {
        Recording recording = new Recording();
        CountingJob job = job(recording);
        job.get("a");
        job.get("a");
        assertThat(recording.lines).containsExactly(
                "start get inst default", "start fetch inst", "tag outcome=success", "end fetch inst", "end get inst default",
                "start get inst default", "hit", "end get inst default");
        recording.lines.clear();

        clock.advance(Duration.ofSeconds(11));
        job.get("a");
        assertThat(recording.lines).containsExactly("start get inst default", "stale",
                "start enqueue inst cacheback", "tag outcome=enqueued", "end enqueue inst cacheback", "end get inst default");
        RefreshTask task = queue.pending().get(0);
        assertThat(task.traceContext()).containsExactly(
                Map.entry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        recording.lines.clear();

        queue.runPending();
        assertThat(recording.received).containsExactly(task.traceContext());
        assertThat(recording.lines).containsExactly("start refresh inst cacheback #1", "start fetch inst",
                "tag outcome=success", "end fetch inst", "tag outcome=done", "tag decision=acknowledged",
                "end refresh inst cacheback #1");
    }

    @Test
    void aRefusedEnqueueIsAFallbackAndAnUnknownJobIsObservedAsUnknown() {
        Recording recording = new Recording();
        CountingJob job = job(recording);
        job.get("a");
        queue.refuseTasks(true);
        recording.lines.clear();
        job.asyncRefresh("a");
        assertThat(recording.lines).startsWith("start enqueue inst cacheback", "tag outcome=fallback")
                .contains("end enqueue inst cacheback", "start fetch inst");
        assertThat(recording.lines.indexOf("end enqueue inst cacheback"))
                .as("the synchronous fallback is not inside the enqueue").isLessThan(recording.lines.indexOf("start fetch inst"));

        queue.refuseTasks(false);
        queue.enqueue(new RefreshTask("no.such.job", "no.such.job:1", new byte[0], Map.of(), TaskOptions.builder()
                .queue("prices").build(), clock.instant()));
        recording.lines.clear();
        queue.runPending();
        assertThat(recording.lines).containsExactly("start refresh unknown prices #1", "tag outcome=unknown_job",
                "tag decision=dead_lettered", "end refresh unknown prices #1");
    }

    @Test
    void anInstrumentationThatThrowsIsLoggedAndNeverFailsAReadOrARefresh() {
        Instrumentation broken = new Instrumentation() {
            @Override
            public Observed get(String job, String cacheAlias) {
                throw new IllegalStateException("telemetry down");
            }

            @Override
            public Observed fetch(String job, String cacheAlias) {
                return new Observed() {
                    @Override
                    public void tag(String key, String value) {
                        throw new IllegalStateException("tag refused");
                    }

                    @Override
                    public void close() {
                        throw new IllegalStateException("close refused");
                    }
                };
            }

            @Override
            public Observed enqueue(String job, String queue, Map<String, String> traceContext) {
                throw new IllegalStateException("telemetry down");
            }

            @Override
            public Observed refresh(String job, String queue, Map<String, String> traceContext, int attempt) {
                throw new IllegalStateException("telemetry down");
            }
        };
        CountingJob job = job(broken);
        try (LogCapture log = new LogCapture(Level.WARN)) {
            assertThat(job.get("a")).isEqualTo("a#1");
            clock.advance(Duration.ofSeconds(11));
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(queue.enqueuedCount()).as("enqueued, not a fallback").isEqualTo(1);
            assertThat(queue.runPending()).isEqualTo(1);
            assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("a#2");
            assertThat(log.lines(Level.WARN)).anyMatch(line -> line.contains("threw; this unit is not observed"))
                    .anyMatch(line -> line.contains("threw on close"));
        }
    }

    @Test
    void aWrapThatThrowsLeavesTheWorkAsItIs() {
        cacheback = Cacheback.builder().instrumentation(new Instrumentation() {
            @Override
            public Runnable wrap(Runnable work) {
                throw new IllegalStateException("telemetry down");
            }
        }).build();
        Runnable work = () -> { };
        try (LogCapture log = new LogCapture(Level.WARN)) {
            assertThat(cacheback.instrumentation().wrap(work)).isSameAs(work);
            assertThat(log.lines(Level.WARN)).anyMatch(line -> line.contains("runs without its trace context"));
        }
    }

    @Test
    void theTraceContextIsAnOptionalFieldOfTheWireFormatVersionOne() {
        RefreshTask task = new RefreshTask("job", "job:abc", "[1]".getBytes(StandardCharsets.UTF_8), Map.of(),
                TaskOptions.none(), Instant.parse("2030-01-01T00:00:00Z"), "lease-1",
                Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate", "vendor=x"));
        byte[] bytes = task.toBytes();
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"v\":1")
                .contains("\"trace\":{").contains("\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"");
        assertThat(RefreshTask.fromBytes(bytes)).isEqualTo(task);

        String older = "{\"v\":1,\"job\":\"job\",\"key\":\"job:abc\",\"args\":\"WzFd\",\"init\":{},"
                + "\"createdAt\":\"2030-01-01T00:00:00Z\",\"options\":{}}";
        assertThat(RefreshTask.fromBytes(older.getBytes(StandardCharsets.UTF_8)).traceContext())
                .as("a task from a version without it: no trace").isEmpty();
        String odd = older.replace("\"options\"", "\"trace\":{\"traceparent\":42},\"options\"");
        assertThat(RefreshTask.fromBytes(odd.getBytes(StandardCharsets.UTF_8)).traceContext())
                .as("a trace that is not an object of strings is ignored, the task still runs").isEmpty();
        assertThatCode(() -> RefreshTask.fromBytes(older.replace("\"options\"", "\"trace\":[1],\"options\"")
                .getBytes(StandardCharsets.UTF_8))).doesNotThrowAnyException();
        assertThatThrownBy(() -> RefreshTask.fromBytes("{\"v\":2}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedTaskException.class);
    }

    @Test
    void entriesOutsideTheTraceContextRuleAreLeftOut() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        headers.put("Upper", "x");
        headers.put("baggage", "line\nbreak");
        headers.put("tracestate", "v".repeat(1025));
        for (int i = 0; i < 20; i++) {
            headers.put("h" + i, "v");
        }
        RefreshTask task = new RefreshTask("job", "job:abc", new byte[0], Map.of(), TaskOptions.none(), Instant.EPOCH,
                null, headers);
        assertThat(task.traceContext()).hasSize(8).containsKey("traceparent")
                .doesNotContainKeys("Upper", "baggage", "tracestate");
        assertThatThrownBy(() -> task.traceContext().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
}

package dev.cacheback.micrometer;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's Observability example, run as written: the block between {@code // --- README} and
 * {@code // --- end} is the README's block word for word (indentation aside). It runs on the
 * runtime's defaults (the in-process queue's worker threads, the system clock), so the test polls
 * with Awaitility until a stale read inside a request has been refreshed.
 */
class ReadmeObservabilityTest {

    @Test
    void theReadmeExampleGivesTimersCountersAndOneTraceFromTheRequestToTheWorker() {
        try (Tracing tracing = new Tracing()) {
            MeterRegistry meterRegistry = tracing.meters;
            ObservationHandler<Observation.Context> tracingHandler = tracing.tracingHandler;
            // --- README
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig()
                    .observationHandler(new DefaultMeterObservationHandler(meterRegistry))  // timers
                    .observationHandler(tracingHandler);  // spans: Micrometer Tracing's sender, receiver and default handlers
            Cacheback cacheback = Cacheback.builder()
                    .instrumentation(CachebackObservations.of(registry))  // .withoutGets(): no observation per get
                    .listener(new CachebackMetrics(meterRegistry))         // counters of every decision (optional)
                    .build();
            // --- end
            try (cacheback) {
                CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("readme.quote")
                        .lifetime(Duration.ofMillis(50)).build());
                job.get("ACME");
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    Observation request = Observation.start("http.request", registry);
                    try (Observation.Scope ignored = request.openScope()) {
                        job.get("ACME");
                    } finally {
                        request.stop();
                    }
                    return !tracing.spans("cacheback refresh readme.quote").isEmpty();
                });
                SpanData refresh = tracing.spans("cacheback refresh readme.quote").get(0);
                SpanData enqueue = tracing.spans().stream().filter(s -> s.getSpanId().equals(refresh.getParentSpanId()))
                        .findFirst().orElseThrow();
                assertThat(enqueue.getName()).isEqualTo("cacheback enqueue readme.quote");
                assertThat(tracing.spans("http.request")).anyMatch(http -> http.getTraceId().equals(refresh.getTraceId()));
                assertThat(meterRegistry.get("cacheback.job.get").tag("status", "stale").timer().count()).isPositive();
                assertThat(meterRegistry.get("cacheback.gets").tag("job", "readme.quote").tag("status", "miss").counter()
                        .count()).isEqualTo(1);
            }
        }
    }

    @Test
    void theReadmeShowsTheBlockWordForWord() throws IOException {
        String readme = normalize(Files.readAllLines(Path.of("..", "README.md")));
        List<String> source = Files.readAllLines(Path.of("src", "test", "java", "dev", "cacheback", "micrometer",
                "ReadmeObservabilityTest.java"));
        List<String> block = new ArrayList<>();
        boolean inside = false;
        for (String line : source) {
            if (line.strip().equals("// --- README")) {
                inside = true;
            } else if (line.strip().equals("// --- end")) {
                inside = false;
            } else if (inside) {
                block.add(line);
            }
        }
        assertThat(block).hasSize(8);
        assertThat(readme).as("the README's Observability section shows this block")
                .contains("```java\n" + normalize(block) + "```\n");
    }

    /** Lines without their indentation, joined: README blocks sit at column 0, the test's inside methods. */
    private static String normalize(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line.strip()).append('\n');
        }
        return sb.toString();
    }
}

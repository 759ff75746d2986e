package dev.cacheback.micrometer;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an application on OpenTelemetry through Micrometer Tracing has: an observation registry whose
 * handlers make spans (propagating W3C trace context for senders and receivers) and timers; the spans
 * end in an in-memory exporter the test reads.
 */
final class Tracing implements AutoCloseable {

    final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ObservationRegistry registry = ObservationRegistry.create();
    /** What Spring Boot registers with Micrometer Tracing: spans, propagating W3C trace context for senders and receivers. */
    final ObservationHandler<io.micrometer.observation.Observation.Context> tracingHandler;
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();

    Tracing() {
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        io.opentelemetry.api.trace.Tracer otel = sdk.getTracer("cacheback-test");
        OtelCurrentTraceContext current = new OtelCurrentTraceContext();
        OtelTracer tracer = new OtelTracer(otel, current, event -> { }, new OtelBaggageManager(current, List.of(), List.of()));
        OtelPropagator propagator = new OtelPropagator(sdk.getPropagators(), otel);
        tracingHandler = new ObservationHandler.FirstMatchingCompositeObservationHandler(
                new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                new DefaultTracingObservationHandler(tracer));
        registry.observationConfig()
                .observationHandler(tracingHandler)
                .observationHandler(new DefaultMeterObservationHandler(meters));
    }

    /** Every ended span. */
    List<SpanData> spans() {
        return exporter.getFinishedSpanItems();
    }

    /** The ended spans named {@code name}, in the order they ended. */
    List<SpanData> spans(String name) {
        return spans().stream().filter(s -> s.getName().equals(name)).toList();
    }

    /** The one ended span named {@code name}. */
    SpanData span(String name) {
        List<SpanData> found = spans(name);
        assertThat(found).as("spans named %s among %s", name, spans().stream().map(SpanData::getName).toList()).hasSize(1);
        return found.get(0);
    }

    /** The timer an observation made, by name and tags (key, value, key, value…). */
    Timer timer(String name, String... tags) {
        return meters.get(name).tags(tags).timer();
    }

    @Override
    public void close() {
        provider.close();
        meters.close();
    }
}

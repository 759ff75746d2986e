package dev.cacheback.micrometer;

import dev.cacheback.CachebackListener;
import dev.cacheback.Instrumentation;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;
import io.micrometer.observation.transport.SenderContext;

import java.util.Map;
import java.util.Objects;

/**
 * Cacheback's {@link Instrumentation} on Micrometer's Observation API: one observation per get,
 * fetch, enqueue and worker refresh, so that one registry gives both metrics (with a meter handler,
 * such as Micrometer's {@code DefaultMeterObservationHandler}: a timer per observation name and
 * tags) and traces (with Micrometer Tracing's handlers, for example on OpenTelemetry). No Spring
 * needed:
 * <pre>{@code
 * ObservationRegistry registry = ObservationRegistry.create();  // with your meter and tracing handlers
 * Cacheback cacheback = Cacheback.builder()
 *         .instrumentation(CachebackObservations.of(registry))
 *         .build();
 * }</pre>
 *
 * <table>
 *   <caption>Observations and their low-cardinality tags</caption>
 *   <tr><th>name</th><th>what</th><th>tags</th></tr>
 *   <tr><td>{@value #GET}</td><td>a {@code job.get(…)}</td><td>{@code job}, {@code cache} (alias),
 *       {@code status} = hit | miss | stale (none when it failed before it read)</td></tr>
 *   <tr><td>{@value #FETCH}</td><td>a call of the job's {@code fetch}, in a caller or a worker</td>
 *       <td>{@code job}, {@code cache}, {@code outcome} = success | failure</td></tr>
 *   <tr><td>{@value #ENQUEUE}</td><td>a refresh task handed to the queue (a producer span)</td>
 *       <td>{@code job}, {@code queue}, {@code outcome} = enqueued | dropped | fallback</td></tr>
 *   <tr><td>{@value #REFRESH}</td><td>a worker running a task (a consumer span, continuing the trace
 *       the task carries)</td><td>{@code job} ({@code unknown} for a job the worker lacks), {@code queue},
 *       {@code outcome} = done | failed | skipped | expired | rejected | unknown_job, {@code decision} =
 *       acknowledged | retry_scheduled | dead_lettered; high-cardinality {@code attempt}</td></tr>
 * </table>
 *
 * <p>Keys and arguments are never tags. A meter handler adds its own {@code error} tag. Observations
 * nest as the work does: a get contains its synchronous fetch and its enqueue, a refresh its fetch.
 * The enqueue observation is a {@link SenderContext} whose carrier is the task's trace context: a
 * propagating tracing handler writes {@code traceparent} / {@code tracestate} into it, the task carries
 * them through every queue, and the worker's refresh observation is a {@link ReceiverContext} reading
 * them back, so the worker's span is a child of the enqueue span, in the trace of the request that
 * found the entry stale.
 *
 * <p>Work the engine hands to another thread for a reader (a stale mark in the background, a fetch
 * with a timeout) runs in the reader's observation ({@link #wrap}), so it stays in the request's
 * trace. {@link #listener()} tags the open get observation with its status. Thread-safe; immutable
 * once built.
 */
public final class CachebackObservations implements Instrumentation {

    /** The observation of a get. */
    public static final String GET = "cacheback.job.get";
    /** The observation of a fetch. */
    public static final String FETCH = "cacheback.job.fetch";
    /** The observation of an enqueue. */
    public static final String ENQUEUE = "cacheback.task.enqueue";
    /** The observation of a worker's run of a task. */
    public static final String REFRESH = "cacheback.task.refresh";

    private static final String NONE_VALUE = "none";

    private final ObservationRegistry registry;
    private final boolean gets;
    private final CachebackListener listener = new StatusListener();

    private CachebackObservations(ObservationRegistry registry, boolean gets) {
        this.registry = registry;
        this.gets = gets;
    }

    /**
     * Observes gets, fetches, enqueues and worker refreshes in {@code registry}.
     *
     * @throws NullPointerException when {@code registry} is null
     */
    public static CachebackObservations of(ObservationRegistry registry) {
        return new CachebackObservations(Objects.requireNonNull(registry, "registry"), true);
    }

    /**
     * The same, without the observation of every get: a hit then costs nothing more, while fetches,
     * enqueues and refreshes are still observed (an enqueue or a fetch inside a get is then a child of
     * whatever observation is current, such as the request's).
     */
    public CachebackObservations withoutGets() {
        return new CachebackObservations(registry, false);
    }

    /** Whether every get is observed: {@code true} unless {@link #withoutGets()}. */
    public boolean observesGets() {
        return gets;
    }

    @Override
    public Observed get(String job, String cacheAlias) {
        if (!gets || registry.isNoop()) {
            return Observed.NONE;
        }
        JobContext context = new JobContext(GET, job, cacheAlias);
        return open(Observation.createNotStarted(GET, () -> context, registry)
                .contextualName("cacheback get " + job)
                .lowCardinalityKeyValue("job", job)
                .lowCardinalityKeyValue("cache", cacheAlias)
                .lowCardinalityKeyValue("status", NONE_VALUE));
    }

    @Override
    public Observed fetch(String job, String cacheAlias) {
        if (registry.isNoop()) {
            return Observed.NONE;
        }
        JobContext context = new JobContext(FETCH, job, cacheAlias);
        return open(Observation.createNotStarted(FETCH, () -> context, registry)
                .contextualName("cacheback fetch " + job)
                .lowCardinalityKeyValue("job", job)
                .lowCardinalityKeyValue("cache", cacheAlias)
                .lowCardinalityKeyValue("outcome", NONE_VALUE));
    }

    @Override
    public Observed enqueue(String job, String queue, Map<String, String> traceContext) {
        if (registry.isNoop()) {
            return Observed.NONE;
        }
        EnqueueContext context = new EnqueueContext(job, queue, traceContext);
        return open(Observation.createNotStarted(ENQUEUE, () -> context, registry)
                .contextualName("cacheback enqueue " + job)
                .lowCardinalityKeyValue("job", job)
                .lowCardinalityKeyValue("queue", queue)
                .lowCardinalityKeyValue("outcome", NONE_VALUE));
    }

    @Override
    public Observed refresh(String job, String queue, Map<String, String> traceContext, int attempt) {
        if (registry.isNoop()) {
            return Observed.NONE;
        }
        RefreshContext context = new RefreshContext(job, queue, traceContext, attempt);
        return open(Observation.createNotStarted(REFRESH, () -> context, registry)
                .contextualName("cacheback refresh " + job)
                .lowCardinalityKeyValue("job", job)
                .lowCardinalityKeyValue("queue", queue)
                .lowCardinalityKeyValue("outcome", NONE_VALUE)
                .lowCardinalityKeyValue("decision", NONE_VALUE)
                .highCardinalityKeyValue("attempt", Integer.toString(attempt)));
    }

    /**
     * {@code work}, run in the observation current in the calling thread (if any): opened as the
     * current one around {@code work} in whichever thread runs it, so that what {@code work} observes
     * is its child, even after it stopped.
     */
    @Override
    public Runnable wrap(Runnable work) {
        Observation current = registry.getCurrentObservation();
        if (current == null) {
            return work;
        }
        return () -> {
            try (Observation.Scope ignored = current.openScope()) {
                work.run();
            }
        };
    }

    @Override
    public CachebackListener listener() {
        return listener;
    }

    @Override
    public String toString() {
        return "CachebackObservations[" + registry + (gets ? "" : ", without gets") + "]";
    }

    private static Observed open(Observation observation) {
        observation.start();
        return new Open(observation, observation.openScope());
    }

    /** A started observation, current in its thread until closed. */
    private static final class Open implements Observed {
        private final Observation observation;
        private final Observation.Scope scope;

        Open(Observation observation, Observation.Scope scope) {
            this.observation = observation;
            this.scope = scope;
        }

        @Override
        public void tag(String key, String value) {
            observation.lowCardinalityKeyValue(key, value);
        }

        @Override
        public void error(Throwable failure) {
            observation.error(failure);
        }

        @Override
        public void close() {
            try {
                scope.close();
            } finally {
                observation.stop();
            }
        }
    }

    /** Tags the get observation open in this thread with the status the engine decided. */
    private final class StatusListener implements CachebackListener {

        private void status(String job, String status) {
            Observation current = registry.getCurrentObservation();
            if (current != null && current.getContext() instanceof JobContext context && context.isGet()
                    && context.job().equals(job)) {
                current.lowCardinalityKeyValue("status", status);
            }
        }

        @Override
        public void onHit(String job, String key) {
            status(job, "hit");
        }

        @Override
        public void onMiss(String job, String key, boolean syncFetch) {
            status(job, "miss");
        }

        @Override
        public void onStale(String job, String key, boolean syncFetch) {
            status(job, "stale");
        }
    }

    /**
     * The context of a get ({@value CachebackObservations#GET}) or a fetch
     * ({@value CachebackObservations#FETCH}) observation.
     */
    public static final class JobContext extends Observation.Context {
        private final String observation;
        private final String job;
        private final String cacheAlias;

        JobContext(String observation, String job, String cacheAlias) {
            this.observation = observation;
            this.job = job;
            this.cacheAlias = cacheAlias;
        }

        /** Whether this is a get's context (else a fetch's). */
        public boolean isGet() {
            return GET.equals(observation);
        }

        /** The job's name. */
        public String job() {
            return job;
        }

        /** The alias of the job's cache. */
        public String cacheAlias() {
            return cacheAlias;
        }
    }

    /**
     * The context of an enqueue ({@value CachebackObservations#ENQUEUE}): a producer whose carrier is
     * the task's trace context, which a propagating tracing handler fills.
     */
    public static final class EnqueueContext extends SenderContext<Map<String, String>> {
        private final String job;
        private final String queue;

        EnqueueContext(String job, String queue, Map<String, String> traceContext) {
            super(Map::put, Kind.PRODUCER);
            this.job = job;
            this.queue = queue;
            setCarrier(traceContext);
            setRemoteServiceName("cacheback");
        }

        /** The job's name. */
        public String job() {
            return job;
        }

        /** The queue's name. */
        public String queue() {
            return queue;
        }
    }

    /**
     * The context of a worker's refresh ({@value CachebackObservations#REFRESH}): a consumer whose
     * carrier is the trace context the task brought (empty when it brought none).
     */
    public static final class RefreshContext extends ReceiverContext<Map<String, String>> {
        private final String job;
        private final String queue;
        private final int attempt;

        RefreshContext(String job, String queue, Map<String, String> traceContext, int attempt) {
            super(Map::get, Kind.CONSUMER);
            this.job = job;
            this.queue = queue;
            this.attempt = attempt;
            setCarrier(traceContext);
            setRemoteServiceName("cacheback");
        }

        /** The job's name, {@code unknown} when the worker has no job of the task's name. */
        public String job() {
            return job;
        }

        /** The queue's name. */
        public String queue() {
            return queue;
        }

        /** Which delivery of the task this is: 1 for the first. */
        public int attempt() {
            return attempt;
        }
    }
}

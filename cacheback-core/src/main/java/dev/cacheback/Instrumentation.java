package dev.cacheback;

import java.util.Map;

/**
 * Observes the engine's units of work — a {@code get}, a fetch, an enqueue, a worker's refresh — for
 * metrics and traces: the seam {@code cacheback-micrometer}'s {@code CachebackObservations} implements
 * on Micrometer's Observation API, so that core depends on no telemetry library. Set it with
 * {@link Cacheback.Builder#instrumentation}; default {@link #NONE}, which costs a {@code get} one
 * comparison.
 *
 * <p>Each method is called when the unit starts, in the thread that runs it, and returns an
 * {@link Observed} the engine closes in that same thread when the unit ends (so an implementation
 * may make it the thread's current span meanwhile: a fetch inside a get is then its child). Units
 * nest: a {@code get} contains its synchronous fetch and its enqueue; a worker's refresh contains its
 * fetch.
 *
 * <p>The trace context crosses the queue in the task: {@link #enqueue} is given an empty, mutable map
 * to write propagation headers into (W3C {@code traceparent} and {@code tracestate}); the map
 * travels in the task ({@link dev.cacheback.spi.RefreshTask#traceContext()}) and is given, read-only,
 * to the worker's {@link #refresh}, which continues the trace from it.
 *
 * <p>Every tag value the engine gives is low-cardinality: job names (a task naming a job the worker
 * does not know is observed as job {@code "unknown"}), cache aliases, queue names, and the fixed
 * words listed with each method. Keys and arguments are never given.
 *
 * <p>The engine never passes {@code null}; methods returning {@link Observed} may return
 * {@link Observed#NONE} (or {@code null}, read as {@code NONE}) for a unit they leave unobserved.
 * Implementations must be thread-safe and fast, and should not throw: an exception from a method
 * here or from {@link Observed} is logged and ignored, and the unit goes on unobserved.
 */
public interface Instrumentation {

    /** Observes nothing: the default. */
    Instrumentation NONE = new Instrumentation() {
    };

    /**
     * A {@code get} of {@code job} on the cache {@code cacheAlias} starts. The engine reports its
     * status (hit, miss, stale) to {@link #listener()} while it runs; the returned observation is
     * given {@link Observed#error} when the get throws.
     */
    default Observed get(String job, String cacheAlias) {
        return Observed.NONE;
    }

    /**
     * A fetch of {@code job} starts: a synchronous one in a caller's get, or a worker's. Tag
     * {@code outcome}: {@code success} or {@code failure} (with {@link Observed#error}).
     */
    default Observed fetch(String job, String cacheAlias) {
        return Observed.NONE;
    }

    /**
     * A refresh task of {@code job} is about to be handed to the queue named {@code queue} (the task
     * option {@code queue}, else {@value dev.cacheback.spi.RefreshQueue#DEFAULT_QUEUE}). Write the
     * propagation headers of the current trace into {@code traceContext} before returning: they travel
     * in the task. Tag {@code outcome}: {@code enqueued}, {@code dropped} (the queue dropped it on
     * purpose) or {@code fallback} (the queue refused it and the caller refreshes synchronously, with
     * {@link Observed#error}).
     */
    default Observed enqueue(String job, String queue, Map<String, String> traceContext) {
        return Observed.NONE;
    }

    /**
     * A worker starts running a task of {@code job} from the queue named {@code queue}, delivered for
     * the {@code attempt}-th time. {@code traceContext} is the one written at {@link #enqueue} (empty
     * for a task made without one, such as a task from an older version). Tags {@code outcome}: the
     * task's {@link dev.cacheback.spi.TaskResult.Outcome} in lower case ({@code done}, {@code failed},
     * {@code skipped}, {@code expired}, {@code rejected}, {@code unknown_job}); {@code decision}: what
     * became of the delivery ({@code acknowledged}, {@code retry_scheduled}, {@code dead_lettered}).
     */
    default Observed refresh(String job, String queue, Map<String, String> traceContext, int attempt) {
        return Observed.NONE;
    }

    /**
     * {@code work}, made to run in the calling thread's current observation (trace context) when
     * another thread runs it: the engine wraps the work it hands off from a reader's thread, the
     * stale mark of {@link Cacheback.Builder#markStaleInBackground} and a fetch with a fetch timeout,
     * so that their enqueue and fetch stay in the request's trace. Default: {@code work} as it is.
     */
    default Runnable wrap(Runnable work) {
        return work;
    }

    /**
     * A listener added to the runtime's listeners with this instrumentation: it hears every decision
     * in the thread that made it, while the observation of the unit that made it is open (for example
     * {@link CachebackListener#onHit} inside an observed {@code get}). Default {@link CachebackListener#NONE}.
     */
    default CachebackListener listener() {
        return CachebackListener.NONE;
    }

    /**
     * One observed unit of work, closed once, in the thread that started it.
     */
    interface Observed extends AutoCloseable {

        /** Observes nothing. */
        Observed NONE = new Observed() {
        };

        /** Adds a low-cardinality tag (the values listed on each {@link Instrumentation} method). */
        default void tag(String key, String value) {
        }

        /** The unit failed with {@code failure}. */
        default void error(Throwable failure) {
        }

        /** The unit ended. */
        @Override
        default void close() {
        }
    }
}

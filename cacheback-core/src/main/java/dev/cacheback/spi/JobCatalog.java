package dev.cacheback.spi;

import dev.cacheback.Cacheback;

/**
 * Tells a standalone worker process which jobs it may run. A worker's {@code main} finds catalogs
 * with {@link java.util.ServiceLoader} ({@code META-INF/services/dev.cacheback.spi.JobCatalog}) in
 * the application's jar, lets each adjust the runtime's builder, builds the runtime, then lets each
 * construct its jobs against it. The class names come from the application's own jar, chosen by the
 * operator who starts the worker: never from a task.
 */
public interface JobCatalog {

    /** Adjusts the worker's runtime before it is built (caches, codec, clock). Does nothing by default. */
    default void configure(dev.cacheback.Cacheback.Builder builder) {
    }

    /** Constructs (and so registers) every job the worker may run. */
    void registerJobs(Cacheback cacheback);
}

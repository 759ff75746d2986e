package dev.cacheback.spi;

/**
 * Runs one refresh task: finds the job it names among the runtime's registered jobs (never by loading
 * a class), decodes its arguments and refreshes. Implemented by {@link dev.cacheback.Cacheback}.
 */
@FunctionalInterface
public interface TaskHandler {

    /**
     * Runs {@code task} in the calling thread. Never throws for a task's own failure: the outcome says
     * what happened, and the queue decides whether to acknowledge, retry or dead-letter.
     */
    TaskResult handle(RefreshTask task);
}

package dev.cacheback.spring;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The thread stale reads mark their entries on when {@code cacheback.mark-stale-in-background=true}
 * (see {@link dev.cacheback.Cacheback.Builder#markStaleInBackground}); none otherwise. Closed after
 * the runtime, with the context.
 */
final class StaleReadDispatcher implements AutoCloseable {

    private final ExecutorService executor;

    StaleReadDispatcher(boolean enabled) {
        this.executor = enabled ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cacheback-stale-mark");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** The executor, or {@code null} when stale reads mark in the reading thread. */
    ExecutorService executor() {
        return executor;
    }

    @Override
    public void close() throws InterruptedException {
        if (executor != null) {
            executor.shutdown();
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        }
    }
}

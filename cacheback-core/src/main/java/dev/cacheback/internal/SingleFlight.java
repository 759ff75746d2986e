package dev.cacheback.internal;

import dev.cacheback.CachebackException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * One computation per key at a time in this process: callers that arrive while it runs wait for it
 * and share its result or its exception.
 */
public final class SingleFlight {

    private final ConcurrentHashMap<String, CompletableFuture<Object>> inFlight = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    public <T> T run(String key, Supplier<T> work) {
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return (T) await(key, running);
        }
        try {
            T value = work.get();
            mine.complete(value);
            return value;
        } catch (Throwable t) {
            mine.completeExceptionally(t);
            throw t;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    private static Object await(String key, CompletableFuture<Object> running) {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CachebackException("Interrupted while waiting for another caller's fetch of key \"" + key + "\"", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new CachebackException("Fetch of key \"" + key + "\" failed", cause);
        }
    }

    /** Computations running now (for tests and metrics). */
    public int size() {
        return inFlight.size();
    }
}

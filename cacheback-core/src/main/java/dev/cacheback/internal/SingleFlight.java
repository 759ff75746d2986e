package dev.cacheback.internal;

import dev.cacheback.CachebackException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
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

    /**
     * Like {@link #run}, but the computation runs on {@code executor} and the caller gets its future,
     * to wait for as long as it likes; a computation of {@code key} already running (started either
     * way) is joined instead. The key is free again once the computation ends, whoever waited.
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> start(String key, Supplier<T> work, Executor executor) {
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return (CompletableFuture<T>) (CompletableFuture<?>) running;
        }
        try {
            executor.execute(() -> {
                // the key is freed before the result is published, so that a caller who saw this
                // result and reads again starts a new computation instead of joining this finished one
                Object value;
                try {
                    value = work.get();
                } catch (Throwable t) {
                    inFlight.remove(key, mine);
                    mine.completeExceptionally(t);
                    return;
                }
                inFlight.remove(key, mine);
                mine.complete(value);
            });
        } catch (RuntimeException rejected) {
            inFlight.remove(key, mine);
            mine.completeExceptionally(rejected);
        }
        return (CompletableFuture<T>) (CompletableFuture<?>) mine;
    }

    /**
     * Claims {@code key} for a computation the caller runs itself, for a batch of keys (a bulk read):
     * returns {@code null} when the caller now leads {@code key} — it must then end it with
     * {@link #finish}, whatever happens — or the computation already running, to join.
     */
    public CompletableFuture<Object> claim(String key, CompletableFuture<Object> mine) {
        return inFlight.putIfAbsent(key, mine);
    }

    /**
     * Ends a computation {@linkplain #claim claimed} by the caller: frees the key, then publishes the
     * value, or {@code failure} when it is not {@code null}. Does nothing to a computation already ended.
     */
    public void finish(String key, CompletableFuture<Object> mine, Object value, Throwable failure) {
        inFlight.remove(key, mine);
        if (failure != null) {
            mine.completeExceptionally(failure);
        } else {
            mine.complete(value);
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

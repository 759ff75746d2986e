package dev.cacheback.test;

import dev.cacheback.CachebackListener;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts every event by name ({@code hit}, {@code miss.sync}, {@code miss.async}, {@code stale.sync},
 * {@code stale.async}, {@code fetch}, {@code fetch.failed}, {@code enqueued}, {@code deduplicated},
 * {@code fallback}, {@code refresh.failed}, {@code dropped}, {@code backend.error}, {@code corrupt}, {@code failsafe},
 * {@code timeout.soft}, {@code timeout.hard}, {@code source.open}, {@code source.half_open},
 * {@code source.closed}, {@code early})
 * and keeps the reasons of dropped tasks. Thread-safe.
 */
public final class RecordingListener implements CachebackListener {

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final List<String> dropReasons = new ArrayList<>();

    /** How many events of this name were heard. */
    public long count(String event) {
        AtomicLong c = counts.get(event);
        return c == null ? 0 : c.get();
    }

    /** Every count, by event name. */
    public Map<String, Long> counts() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        counts.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /** The reasons given for dropped tasks, in order. */
    public synchronized List<String> dropReasons() {
        return List.copyOf(dropReasons);
    }

    /** Forgets everything heard. */
    public synchronized void reset() {
        counts.clear();
        dropReasons.clear();
    }

    private void inc(String event) {
        counts.computeIfAbsent(event, e -> new AtomicLong()).incrementAndGet();
    }

    @Override
    public void onHit(String job, String key) {
        inc("hit");
    }

    @Override
    public void onFailSafe(String job, String key, Duration staleness, Throwable failure) {
        inc("failsafe");
    }

    @Override
    public void onFetchTimeout(String job, String key, Duration timeout, boolean answeredStale) {
        inc(answeredStale ? "timeout.soft" : "timeout.hard");
    }

    @Override
    public void onSourceState(String job, dev.cacheback.SourceState state, Throwable failure) {
        inc("source." + state.name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public void onEarlyRefresh(String job, String key) {
        inc("early");
    }

    @Override
    public void onMiss(String job, String key, boolean syncFetch) {
        inc(syncFetch ? "miss.sync" : "miss.async");
    }

    @Override
    public void onStale(String job, String key, boolean syncFetch) {
        inc(syncFetch ? "stale.sync" : "stale.async");
    }

    @Override
    public void onFetch(String job, String key, Duration took, Throwable failure) {
        inc(failure == null ? "fetch" : "fetch.failed");
    }

    @Override
    public void onRefreshEnqueued(String job, String key) {
        inc("enqueued");
    }

    @Override
    public void onRefreshDeduplicated(String job, String key) {
        inc("deduplicated");
    }

    @Override
    public void onRefreshFallback(String job, String key, Throwable enqueueFailure) {
        inc("fallback");
    }

    @Override
    public void onRefreshFailed(String job, String key, Throwable failure) {
        inc("refresh.failed");
    }

    @Override
    public void onRefreshSuperseded(String job, String key) {
        inc("superseded");
    }

    @Override
    public void onTaskDropped(String job, String key, String reason) {
        inc("dropped");
        synchronized (this) {
            dropReasons.add(reason);
        }
    }

    @Override
    public void onBackendError(String alias, String operation, Throwable failure) {
        inc("backend.error");
    }

    @Override
    public void onCorruptEntry(String job, String key, Throwable failure) {
        inc("corrupt");
    }
}

package dev.cacheback.internal;

import dev.cacheback.CachebackListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/** Calls every configured listener, logging (never propagating) what one throws. */
public final class SafeListener implements CachebackListener {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private final CachebackListener[] listeners;

    private SafeListener(List<CachebackListener> listeners) {
        this.listeners = listeners.toArray(new CachebackListener[0]);
    }

    public static CachebackListener of(List<CachebackListener> listeners) {
        return listeners.isEmpty() ? CachebackListener.NONE : new SafeListener(listeners);
    }

    private interface Call {
        void on(CachebackListener l);
    }

    private void each(Call call) {
        for (CachebackListener l : listeners) {
            try {
                call.on(l);
            } catch (RuntimeException e) {
                log.warn("Listener {} threw; ignored", l, e);
            }
        }
    }

    @Override
    public void onHit(String job, String key) {
        for (CachebackListener l : listeners) {
            try {
                l.onHit(job, key);
            } catch (RuntimeException e) {
                log.warn("Listener {} threw; ignored", l, e);
            }
        }
    }

    @Override
    public void onFailSafe(String job, String key, Duration staleness, Throwable failure) {
        each(l -> l.onFailSafe(job, key, staleness, failure));
    }

    @Override
    public void onFetchTimeout(String job, String key, Duration timeout, boolean answeredStale) {
        each(l -> l.onFetchTimeout(job, key, timeout, answeredStale));
    }

    @Override
    public void onSourceState(String job, dev.cacheback.SourceState state, Throwable failure) {
        each(l -> l.onSourceState(job, state, failure));
    }

    @Override
    public void onEarlyRefresh(String job, String key) {
        each(l -> l.onEarlyRefresh(job, key));
    }

    @Override
    public void onMiss(String job, String key, boolean syncFetch) {
        each(l -> l.onMiss(job, key, syncFetch));
    }

    @Override
    public void onStale(String job, String key, boolean syncFetch) {
        each(l -> l.onStale(job, key, syncFetch));
    }

    @Override
    public void onFetch(String job, String key, Duration took, Throwable failure) {
        each(l -> l.onFetch(job, key, took, failure));
    }

    @Override
    public void onRefreshEnqueued(String job, String key) {
        each(l -> l.onRefreshEnqueued(job, key));
    }

    @Override
    public void onRefreshDeduplicated(String job, String key) {
        each(l -> l.onRefreshDeduplicated(job, key));
    }

    @Override
    public void onRefreshFallback(String job, String key, Throwable enqueueFailure) {
        each(l -> l.onRefreshFallback(job, key, enqueueFailure));
    }

    @Override
    public void onRefreshFailed(String job, String key, Throwable failure) {
        each(l -> l.onRefreshFailed(job, key, failure));
    }

    @Override
    public void onRefreshSuperseded(String job, String key) {
        each(l -> l.onRefreshSuperseded(job, key));
    }

    @Override
    public void onTaskDropped(String job, String key, String reason) {
        each(l -> l.onTaskDropped(job, key, reason));
    }

    @Override
    public void onBackendError(String alias, String operation, Throwable failure) {
        each(l -> l.onBackendError(alias, operation, failure));
    }

    @Override
    public void onCorruptEntry(String job, String key, Throwable failure) {
        each(l -> l.onCorruptEntry(job, key, failure));
    }
}

package dev.cacheback.sandbox;

import dev.cacheback.CacheStatus;
import dev.cacheback.CachebackListener;
import org.springframework.stereotype.Component;

/**
 * Hears the engine's hit / miss / stale decision in the request's own thread (listeners are called
 * synchronously), so the page can show the status of the read it just made. A listener bean is added
 * to the runtime by the starter.
 */
@Component
public class StatusRecorder implements CachebackListener {

    private final ThreadLocal<CacheStatus> last = new ThreadLocal<>();

    @Override
    public void onHit(String job, String key) {
        last.set(CacheStatus.HIT);
    }

    @Override
    public void onMiss(String job, String key, boolean syncFetch) {
        last.set(CacheStatus.MISS);
    }

    @Override
    public void onStale(String job, String key, boolean syncFetch) {
        last.set(CacheStatus.STALE);
    }

    /** Forgets what this thread heard. */
    public void reset() {
        last.remove();
    }

    /** The status of this thread's latest read, then forgets it. */
    public CacheStatus take() {
        CacheStatus status = last.get();
        last.remove();
        return status;
    }
}

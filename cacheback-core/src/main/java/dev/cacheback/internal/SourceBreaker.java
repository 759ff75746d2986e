package dev.cacheback.internal;

import dev.cacheback.CachebackListener;
import dev.cacheback.SourceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The breaker on one job's source, in one runtime: after {@code threshold} consecutive failed fetches
 * it opens for {@code window} (no fetch goes through), then lets one fetch through as a probe: a
 * success closes it, a failure opens it for another window. A probe that never ends does not hold it
 * half-open: after another window, another probe goes through. State changes are logged once each
 * and told to the listener. Thread-safe; time from the runtime's clock.
 */
public final class SourceBreaker {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final long CLOSED = Long.MIN_VALUE;

    private final String job;
    private final Clock clock;
    private final int threshold;
    private final long windowMillis;
    private final CachebackListener listener;
    private final AtomicInteger consecutive = new AtomicInteger();
    /** {@link #CLOSED}, or the epoch millisecond from which the next probe may go through. */
    private final AtomicLong nextProbe = new AtomicLong(CLOSED);
    private volatile boolean probing;
    private volatile int failuresWhenOpened;
    private volatile String lastFailure = "";

    public SourceBreaker(String job, Clock clock, int threshold, Duration window, CachebackListener listener) {
        this.job = job;
        this.clock = clock;
        this.threshold = threshold;
        this.windowMillis = Math.max(1, window.toMillis());
        this.listener = listener;
    }

    /** Whether a fetch may call the source now: always when closed; when open, the one probe after the window. */
    public boolean allow() {
        long probe = nextProbe.get();
        if (probe == CLOSED) {
            return true;
        }
        long now = clock.millis();
        if (now >= probe && nextProbe.compareAndSet(probe, now + windowMillis)) {
            probing = true;
            log.info("Job {}: probing its source after {} ms of its breaker open", job, windowMillis);
            listener.onSourceState(job, SourceState.HALF_OPEN, null);
            return true;
        }
        return false;
    }

    /** A fetch succeeded: resets the count, and closes the breaker if it was open. */
    public void succeeded() {
        consecutive.set(0);
        if (nextProbe.get() != CLOSED && nextProbe.getAndSet(CLOSED) != CLOSED) {
            probing = false;
            log.info("Job {}: its source answers again; its breaker is closed", job);
            listener.onSourceState(job, SourceState.CLOSED, null);
        }
    }

    /** A fetch failed: counts it, opening the breaker at the threshold; a failed probe opens it again. */
    public void failed(Throwable cause) {
        lastFailure = String.valueOf(cause);
        int n = consecutive.incrementAndGet();
        long now = clock.millis();
        if (nextProbe.get() != CLOSED) {
            if (probing) {
                probing = false;
                nextProbe.set(now + windowMillis);
                failuresWhenOpened = n;
                listener.onSourceState(job, SourceState.OPEN, cause);
            }
            return;
        }
        if (n >= threshold && nextProbe.compareAndSet(CLOSED, now + windowMillis)) {
            failuresWhenOpened = n;
            log.warn("Job {}: {} consecutive failed fetches (last: {}); its breaker is open: no fetch for {} ms, "
                    + "stale data is served and misses fail fast", job, n, cause, windowMillis);
            listener.onSourceState(job, SourceState.OPEN, cause);
        }
    }

    public SourceState state() {
        if (nextProbe.get() == CLOSED) {
            return SourceState.CLOSED;
        }
        return probing ? SourceState.HALF_OPEN : SourceState.OPEN;
    }

    /** Consecutive failed fetches when it last opened. */
    public int failures() {
        return Math.max(failuresWhenOpened, consecutive.get());
    }

    /** When the next probe may go through ({@link Instant#MIN} when closed). */
    public Instant nextProbe() {
        long probe = nextProbe.get();
        return probe == CLOSED ? Instant.MIN : Instant.ofEpochMilli(probe);
    }

    public String lastFailure() {
        return lastFailure;
    }
}

package dev.cacheback.internal;

import org.slf4j.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs a recurring failure (a server that is down) at most once per interval and per subject,
 * saying how many were suppressed in between, so that a dead server costs one line per interval
 * instead of one per request.
 */
public final class ErrorLog {

    private final Logger log;
    private final Clock clock;
    private final Duration interval;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public ErrorLog(Logger log, Clock clock, Duration interval) {
        this.log = log;
        this.clock = clock;
        this.interval = interval;
    }

    private static final class Window {
        volatile Instant next = Instant.MIN;
        final AtomicLong suppressed = new AtomicLong();
        /** Whether an error was logged since the last recovery was: a recovery is worth a line only then. */
        volatile boolean loggedSinceRecovery;
    }

    /** Logs {@code message} with {@code error} unless the same subject was logged within the interval. */
    public void error(String subject, String message, Throwable error) {
        Window window = windows.computeIfAbsent(subject, s -> new Window());
        Instant now = clock.instant();
        synchronized (window) {
            if (now.isBefore(window.next)) {
                window.suppressed.incrementAndGet();
                return;
            }
            window.next = now.plus(interval);
            window.loggedSinceRecovery = true;
        }
        long suppressed = window.suppressed.getAndSet(0);
        String suffix = suppressed > 0 ? " (" + suppressed + " similar errors in the last " + interval.toSeconds()
                + " s not logged)" : "";
        log.error(message + suffix + " [next such message in " + interval.toSeconds() + " s at most]", error);
    }

    /**
     * The subject answered again. Returns whether that is worth a log line: only when an error of the
     * subject was logged since its last recovery. The interval is not reset: a subject that keeps
     * alternating between failing and answering (one dead node of two, a flapping link) still costs
     * at most one error line and one recovery line per interval.
     */
    public boolean recovered(String subject) {
        Window window = windows.get(subject);
        if (window == null || !window.loggedSinceRecovery) {
            return false;
        }
        synchronized (window) {
            if (!window.loggedSinceRecovery) {
                return false;
            }
            window.loggedSinceRecovery = false;
            return true;
        }
    }
}

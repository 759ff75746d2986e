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
        }
        long suppressed = window.suppressed.getAndSet(0);
        String suffix = suppressed > 0 ? " (" + suppressed + " similar errors in the last " + interval.toSeconds()
                + " s not logged)" : "";
        log.error(message + suffix + " [next such message in " + interval.toSeconds() + " s at most]", error);
    }

    /** Forgets a subject, so its next failure is logged at once: called when a server answers again. */
    public void recovered(String subject) {
        windows.remove(subject);
    }
}

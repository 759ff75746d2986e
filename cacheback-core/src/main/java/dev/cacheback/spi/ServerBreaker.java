package dev.cacheback.spi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A breaker for one server (a Redis connection, one memcached node, a broker): after the server fails
 * to answer in time, calls fail fast instead of each waiting out a timeout, until a probe sees it
 * answer again (DESIGN.md F5). A frozen server so costs each caller at most one timeout.
 *
 * <p>States: <b>closed</b> (every call goes through; one volatile read), <b>open</b> (calls are
 * refused at once; from {@code probeInterval} after it opened, exactly one call at a time is let
 * through as a probe), back to closed when a call succeeds. Opening and closing are logged once each,
 * at WARN and INFO, on the logger {@code cacheback}.
 *
 * <p>Use: {@code if (!breaker.allow()) throw new XException(breaker.openMessage());} before a call;
 * {@link #succeeded()} after it answers; {@link #failed(Throwable)} when it timed out or the
 * connection failed (not for errors the server answered with). Thread-safe; time comes from the clock
 * given.
 */
public final class ServerBreaker {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final long CLOSED = Long.MIN_VALUE;

    private final String server;
    private final Clock clock;
    private final long probeIntervalMillis;
    /** {@link #CLOSED}, or the epoch millisecond from which the next probe may go through. */
    private final AtomicLong nextProbe = new AtomicLong(CLOSED);
    private volatile long openedAt;
    private volatile String lastFailure = "";

    /**
     * @param server        how logs and errors name the server, such as {@code redis://cache-1:6379}; never credentials
     * @param clock         the runtime's clock
     * @param probeInterval how long calls are refused after a failure before one probe goes through
     */
    public ServerBreaker(String server, Clock clock, Duration probeInterval) {
        this.server = Objects.requireNonNull(server, "server");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.probeIntervalMillis = Math.max(1, Objects.requireNonNull(probeInterval, "probeInterval").toMillis());
    }

    /**
     * Whether a call may go through now: always when closed; when open, only the one caller that
     * takes the probe once the interval has passed.
     */
    public boolean allow() {
        long probe = nextProbe.get();
        if (probe == CLOSED) {
            return true;
        }
        long now = clock.millis();
        // one caller wins the probe; it pushes the next probe out so others keep failing fast meanwhile
        return now >= probe && nextProbe.compareAndSet(probe, now + probeIntervalMillis);
    }

    /** The server answered: closes the breaker (logging once that it answers again). */
    public void succeeded() {
        if (nextProbe.get() != CLOSED && nextProbe.getAndSet(CLOSED) != CLOSED) {
            log.info("{} answers again after {} ms; calls go through again", server, clock.millis() - openedAt);
        }
    }

    /** The server did not answer in time, or the connection failed: opens the breaker (logged once). */
    public void failed(Throwable cause) {
        long now = clock.millis();
        lastFailure = String.valueOf(cause);
        long previous = nextProbe.getAndSet(now + probeIntervalMillis);
        if (previous == CLOSED) {
            openedAt = now;
            log.warn("{} did not answer ({}); failing fast, probing every {} ms until it answers", server, cause,
                    probeIntervalMillis);
        }
    }

    /** Whether calls are being refused (open, between probes or with a probe under way). */
    public boolean isOpen() {
        return nextProbe.get() != CLOSED;
    }

    /** The sentence to put in the exception a refused call throws. */
    public String openMessage() {
        return server + " is not answering (failing fast since " + (clock.millis() - openedAt)
                + " ms; last failure: " + lastFailure + "); a probe is tried every " + probeIntervalMillis + " ms";
    }

    @Override
    public String toString() {
        return "ServerBreaker[" + server + (isOpen() ? ", open" : ", closed") + "]";
    }
}

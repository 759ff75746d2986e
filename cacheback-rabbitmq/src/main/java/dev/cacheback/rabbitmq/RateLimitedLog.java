package dev.cacheback.rabbitmq;

import org.slf4j.Logger;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WARN line at most once per interval, by the runtime's clock, saying how many like it were left
 * out since the last one: for failures that can come by the thousand (nacks, confirm timeouts).
 * Thread-safe.
 */
final class RateLimitedLog {

    private final Logger log;
    private final Clock clock;
    private final long intervalMillis;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(Logger log, Clock clock, long intervalMillis) {
        this.log = log;
        this.clock = clock;
        this.intervalMillis = intervalMillis;
    }

    void warn(String format, Object... args) {
        long now = clock.millis();
        long due = next.get();
        if (now < due || !next.compareAndSet(due, now + intervalMillis)) {
            suppressed.incrementAndGet();
            return;
        }
        long left = suppressed.getAndSet(0);
        if (left > 0) {
            log.warn(format + " ({} more like it in the last {} ms)", append(args, left, intervalMillis));
        } else {
            log.warn(format, args);
        }
    }

    private static Object[] append(Object[] args, Object a, Object b) {
        Object[] all = new Object[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = a;
        all[args.length + 1] = b;
        return all;
    }
}

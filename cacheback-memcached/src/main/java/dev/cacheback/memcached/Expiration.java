package dev.cacheback.memcached;

import java.time.Duration;
import java.time.Instant;

/**
 * memcached's expiration time ("exptime") for a time to live.
 *
 * <p>memcached reads an exptime of at most {@value #MAX_RELATIVE_SECONDS} seconds (30 days) as
 * seconds from now, and any larger number as an absolute Unix time: sending 31 days as 2,678,400
 * would mean January 1970, and the item would be expired at once.
 *
 * <p>memcached's clock ticks in whole seconds and an item expires when the tick reaches its
 * exptime, so an exptime of {@code n} seconds keeps the item between {@code n - 1} and {@code n}
 * seconds. The rule:
 * <ul>
 *   <li>A time to live of at most 30 days is sent as relative seconds: rounded up to whole seconds
 *       and one second added (kept at least its time to live, at most a second and a fraction
 *       longer), but never more than 30 days, so that the rounding never turns it into an absolute
 *       time. Exactly 30 days (the default {@code cacheTtl}) is therefore sent as 2,592,000 and may be
 *       kept up to a second less than 30 days. Relative times need no agreement between clocks.</li>
 *   <li>A longer time to live is sent as the absolute Unix time of {@code now + ttl}, {@code now}
 *       being the runtime clock's instant: the runtime's clock must then agree with the servers'
 *       (a clock set in the past, such as a test clock, makes the entry expire at once).</li>
 * </ul>
 *
 * <p>The text protocol's exptime is a signed 32-bit number: absolute times past 2038-01-19T03:14:07Z
 * are sent as that instant.
 */
final class Expiration {

    /** The largest exptime memcached reads as relative seconds: 30 days. */
    static final long MAX_RELATIVE_SECONDS = 2_592_000L;

    private Expiration() {
    }

    /**
     * The exptime to send for {@code ttl} stored at {@code now}.
     *
     * @throws IllegalArgumentException when {@code ttl} is zero or negative (an exptime of 0 means
     *     "never expires" to memcached, a negative one "already expired")
     */
    static int exptime(Duration ttl, Instant now) {
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("time to live must be positive, not " + ttl);
        }
        long seconds = saturatedCeilSeconds(ttl);
        if (seconds <= MAX_RELATIVE_SECONDS) {
            return (int) Math.min(seconds + 1, MAX_RELATIVE_SECONDS);
        }
        seconds = seconds == Long.MAX_VALUE ? seconds : seconds + 1;
        long nowSeconds = now.getEpochSecond() + (now.getNano() > 0 ? 1 : 0);
        return nowSeconds > Integer.MAX_VALUE - seconds ? Integer.MAX_VALUE : (int) (nowSeconds + seconds);
    }

    private static long saturatedCeilSeconds(Duration ttl) {
        long seconds = ttl.getSeconds();
        if (ttl.getNano() > 0) {
            seconds = seconds == Long.MAX_VALUE ? seconds : seconds + 1;
        }
        return seconds;
    }
}

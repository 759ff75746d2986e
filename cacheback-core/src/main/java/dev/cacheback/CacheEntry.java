package dev.cacheback;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored entry: the instant after which its data is stale, and the data.
 *
 * @param expiry when the data becomes stale
 * @param data   the data, {@code null} for a job whose {@link Job#empty()} is {@code null} and whose
 *               refresh has not finished
 * @param <V>    the job's value type
 */
public record CacheEntry<V>(Instant expiry, V data) {

    public CacheEntry {
        Objects.requireNonNull(expiry, "expiry");
    }

    /** Whether the data is stale at {@code now}: {@code now} is at or after the expiry. */
    public boolean isStale(Instant now) {
        return !now.isBefore(expiry);
    }
}

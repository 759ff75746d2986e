package dev.cacheback;

import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One stored entry: the instant after which its data is stale, the data, and the entry's version.
 *
 * <p>Every write the engine makes ({@code set}, a refresh, marking an entry for refresh) gives the
 * entry a new random version. A refresh remembers the version it started from and stores only if
 * that version is still there (DESIGN.md F2), so a {@code set} or {@code delete} made while a refresh
 * was fetching always wins.
 *
 * @param expiry  when the data becomes stale
 * @param data    the data, {@code null} for a job whose {@link Job#empty()} is {@code null} and whose
 *                refresh has not finished
 * @param version the entry's version, never {@link #NO_ENTRY} for an entry the engine wrote; entries
 *                made with the two-argument constructor (tests, custom code) carry {@link #NO_ENTRY}
 * @param failures how many refreshes of the key failed in a row since its data was last fetched
 *                (0 unless the job has a {@linkplain JobSettings.Builder#refreshBackoff refresh backoff});
 *                the entry then expires at the end of the backoff
 * @param fetchMillis how long the fetch that produced the data took, in milliseconds (0 when unknown)
 * @param <V>     the job's value type
 */
public record CacheEntry<V>(Instant expiry, V data, long version, int failures, long fetchMillis) {

    /**
     * The version a conditional write expects when it expects no entry at all (or none readable): the
     * {@code expectedVersion} of {@link dev.cacheback.spi.CacheBackend#setIfVersion} for a refresh
     * that began on a miss.
     */
    public static final long NO_ENTRY = 0L;

    public CacheEntry {
        Objects.requireNonNull(expiry, "expiry");
        if (failures < 0 || fetchMillis < 0) {
            throw new IllegalArgumentException("failures and fetchMillis must not be negative: " + failures + ", " + fetchMillis);
        }
    }

    /** An entry without failures and without a measured fetch. */
    public CacheEntry(Instant expiry, V data, long version) {
        this(expiry, data, version, 0, 0);
    }

    /** An entry without a version ({@link #NO_ENTRY}), as written before versions existed. */
    public CacheEntry(Instant expiry, V data) {
        this(expiry, data, NO_ENTRY);
    }

    /** A new random version: never {@link #NO_ENTRY}. Thread-safe. */
    public static long newVersion() {
        long v;
        do {
            v = ThreadLocalRandom.current().nextLong();
        } while (v == NO_ENTRY);
        return v;
    }

    /** Whether the data is stale at {@code now}: {@code now} is at or after the expiry. */
    public boolean isStale(Instant now) {
        return !now.isBefore(expiry);
    }
}

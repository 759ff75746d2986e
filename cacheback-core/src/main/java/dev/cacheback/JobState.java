package dev.cacheback;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the jobs of one name have done in this runtime, as {@link Job#state()} reports it: counts since
 * the runtime was built (shared by every job constructed under the name), the refreshes running now,
 * the latest errors, and the job's backoff and source breaker when it has them. A snapshot, immutable;
 * the counts are read one after the other without a lock, so under load they may be off by the reads
 * made meanwhile.
 *
 * @param name              the job's name
 * @param hits              reads answered with fresh data
 * @param stale             reads answered with stale data (a refresh was enqueued or made synchronously)
 * @param misses            reads that found no entry
 * @param refreshesInFlight fetches running now in this process: synchronous fetches of misses and stale
 *                          reads, and workers' refreshes
 * @param refreshFailures   fetches that failed since the runtime was built
 * @param lastErrors        the latest errors (at most {@value #ERRORS_KEPT}), oldest first
 * @param backoff           the job's refresh backoff, or {@code null} when it has none
 * @param breaker           the job's source breaker, or {@code null} when it has none
 */
public record JobState(String name, long hits, long stale, long misses, long refreshesInFlight, long refreshFailures,
                       List<Error> lastErrors, Backoff backoff, Breaker breaker) {

    /** How many errors a job keeps for {@link #lastErrors()}. */
    public static final int ERRORS_KEPT = 10;

    public JobState {
        Objects.requireNonNull(name, "name");
        lastErrors = List.copyOf(lastErrors);
    }

    /**
     * One error of a job.
     *
     * @param at      when, by the runtime's clock
     * @param key     the cache key it was about, escaped for logs and pages (control characters as
     *                {@code \\uXXXX}, at most 200 characters)
     * @param message what failed and why, escaped the same way
     */
    public record Error(Instant at, String key, String message) {
        public Error {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * A job's refresh backoff ({@link JobSettings.Builder#refreshBackoff}).
     *
     * @param initial   the first backoff
     * @param max       the longest backoff
     * @param backedOff failures (of a worker's refresh, or of a read answered stale-if-error) that put their key on its
     *                  backoff since the runtime was built
     * @param lastUntil until when the latest of them holds its key back, or {@code null} for none yet
     */
    public record Backoff(Duration initial, Duration max, long backedOff, Instant lastUntil) {
    }

    /**
     * A job's source breaker ({@link JobSettings.Builder#sourceBreaker}).
     *
     * @param state       its state now
     * @param failures    consecutive failed fetches (when it last opened, if it is open)
     * @param nextProbe   when the next probe may go through, or {@code null} when closed
     * @param lastFailure the latest failure, escaped, or {@code ""} for none
     */
    public record Breaker(SourceState state, int failures, Instant nextProbe, String lastFailure) {
    }
}

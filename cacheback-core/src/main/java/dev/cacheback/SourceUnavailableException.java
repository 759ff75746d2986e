package dev.cacheback;

import java.time.Instant;

/**
 * A fetch was refused without calling the source, because the job's source breaker is open
 * ({@link JobSettings.Builder#sourceBreaker}): its last fetches failed one after another. A read with
 * stale data answers the stale data instead; a miss throws this.
 */
public class SourceUnavailableException extends CachebackException {

    private final String jobName;
    private final SourceState state;

    public SourceUnavailableException(String jobName, String key, SourceState state, int failures, Instant nextProbe,
                                      String lastFailure) {
        super("Job " + jobName + " did not fetch key \"" + key + "\": its source breaker is " + state + " after "
                + failures + " consecutive failed fetches (last: " + lastFailure + "); the next fetch at or after "
                + nextProbe + " probes the source. Until then stale data is served and misses fail fast: fix the "
                + "source, or change the job's sourceBreaker setting", null);
        this.jobName = jobName;
        this.state = state;
    }

    /** The job whose source breaker refused the fetch. */
    public String jobName() {
        return jobName;
    }

    /** The breaker's state when the fetch was refused ({@link SourceState#OPEN} or {@link SourceState#HALF_OPEN} with a probe under way). */
    public SourceState state() {
        return state;
    }
}

package dev.cacheback;

import java.time.Duration;

/**
 * A read stopped waiting for its synchronous fetch after the job's
 * {@linkplain JobSettings.Builder#hardFetchTimeout hard fetch timeout}. The fetch itself goes on in the
 * runtime's fetch executor and stores its result unless the entry was replaced meanwhile.
 */
public class FetchTimeoutException extends CachebackException {

    private final String jobName;
    private final String key;
    private final Duration timeout;

    public FetchTimeoutException(String jobName, String key, Duration timeout) {
        super("Job " + jobName + " gave up waiting for its fetch of key \"" + key + "\" after its hardFetchTimeout of "
                + timeout + "; the fetch goes on in the background and stores its result for the next read. "
                + "Raise hardFetchTimeout, or make the source answer faster", null);
        this.jobName = jobName;
        this.key = key;
        this.timeout = timeout;
    }

    /** The job whose fetch took too long. */
    public String jobName() {
        return jobName;
    }

    /** The key being fetched. */
    public String key() {
        return key;
    }

    /** The hard fetch timeout that passed. */
    public Duration timeout() {
        return timeout;
    }
}

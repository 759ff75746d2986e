package dev.cacheback;

/**
 * A job's {@code fetch} threw a checked exception, which is the {@link #getCause() cause}. Unchecked
 * exceptions and errors thrown by {@code fetch} reach the caller as they are.
 */
public class FetchException extends CachebackException {

    private final String jobName;

    public FetchException(String jobName, String key, Throwable cause) {
        super("Job " + jobName + " failed to fetch key \"" + key + "\": " + cause, cause);
        this.jobName = jobName;
    }

    /** The name of the job whose fetch failed. */
    public String jobName() {
        return jobName;
    }
}

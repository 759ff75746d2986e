package dev.cacheback.spi;

import java.util.Objects;

/**
 * What became of one refresh task.
 *
 * @param outcome what happened
 * @param reason  a sentence for logs and dead-letter headers; empty when {@link Outcome#DONE}
 * @param error   the exception a failed refresh threw, or {@code null}
 */
public record TaskResult(Outcome outcome, String reason, Throwable error) {

    /** The kinds of outcome. */
    public enum Outcome {
        /** The job refreshed and stored its entry. */
        DONE,
        /** The refresh ran and failed; trying again later may succeed. */
        FAILED,
        /** No registered job has the task's name: retrying cannot help. */
        UNKNOWN_JOB,
        /** The task's arguments or settings cannot be read by the job: retrying cannot help. */
        REJECTED,
        /** The task outlived its expiration option and was not run. */
        EXPIRED,
        /**
         * The task was not run because another refresh of its key holds the key's lease (a retry whose
         * own lease was given back and taken by a newer refresh): that refresh stands for it.
         */
        SKIPPED
    }

    private static final TaskResult DONE_RESULT = new TaskResult(Outcome.DONE, "", null);

    public TaskResult {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
    }

    public static TaskResult done() {
        return DONE_RESULT;
    }

    public static TaskResult failed(String reason, Throwable error) {
        return new TaskResult(Outcome.FAILED, reason, error);
    }

    public static TaskResult unknownJob(String reason) {
        return new TaskResult(Outcome.UNKNOWN_JOB, reason, null);
    }

    public static TaskResult rejected(String reason, Throwable error) {
        return new TaskResult(Outcome.REJECTED, reason, error);
    }

    public static TaskResult expired(String reason) {
        return new TaskResult(Outcome.EXPIRED, reason, null);
    }

    public static TaskResult skipped(String reason) {
        return new TaskResult(Outcome.SKIPPED, reason, null);
    }

    /** Whether a later try of the same task could succeed ({@link Outcome#FAILED} only). */
    public boolean retryable() {
        return outcome == Outcome.FAILED;
    }
}

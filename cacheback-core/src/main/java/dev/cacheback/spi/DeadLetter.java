package dev.cacheback.spi;

import dev.cacheback.internal.LogText;

import java.time.Instant;
import java.util.Objects;

/**
 * A task a queue dead-lettered (DESIGN.md F3), as {@link RefreshQueue#deadLetters(int)} lists it. The
 * job name, key and reason come from a message and are escaped ({@code \\uXXXX} for control
 * characters, at most 200 characters) so they can be shown and logged as they are. Immutable.
 *
 * @param id       what {@link RefreshQueue#requeue(String)} takes to re-queue this dead letter: opaque,
 *                 unique within its {@link RefreshQueue}
 * @param queue    the queue the task was dead-lettered from
 * @param jobName  the task's job, or {@code "?"} when its bytes could not be read
 * @param key      the task's cache key, or {@code "?"}
 * @param reason   why it was dead-lettered ({@code "failed 3 times: …"}, {@code "no job named …"})
 * @param attempts the deliveries it had
 * @param deadAt   when it was dead-lettered, or {@code null} when the transport does not record it
 */
public record DeadLetter(String id, String queue, String jobName, String key, String reason, int attempts,
                         Instant deadAt) {

    public DeadLetter {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(queue, "queue");
        jobName = LogText.escape(jobName == null ? "?" : jobName);
        key = LogText.escape(key == null ? "?" : key);
        reason = LogText.escape(reason == null ? "" : reason);
    }
}

package dev.cacheback.spi;

import java.util.Objects;

/**
 * What one named queue of a {@link RefreshQueue} holds now, as {@link RefreshQueue#state()} reports it:
 * a snapshot, stale the moment it is read. A count the transport cannot know is {@link #UNKNOWN}
 * ({@code -1}), never a guess.
 *
 * @param queue       the queue's name ({@code in-process} for the in-process queue)
 * @param waiting     tasks waiting to be taken by a worker
 * @param retrying    tasks waiting for their retry's backoff to pass, or {@link #UNKNOWN}
 * @param inFlight    tasks taken by a worker and not yet settled: on a broker that tracks them (Redis
 *                    Streams' pending entries) across every worker, otherwise this process's workers only
 * @param deadLetters dead letters held now (listed by {@link RefreshQueue#deadLetters(int)}); it drops
 *                    when one is re-queued
 */
public record QueueState(String queue, long waiting, long retrying, long inFlight, long deadLetters) {

    /** A count the transport cannot know. */
    public static final long UNKNOWN = -1;

    public QueueState {
        Objects.requireNonNull(queue, "queue");
    }
}

package dev.cacheback;

import dev.cacheback.spi.QueueState;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Cacheback#state()} reports: the jobs and the refresh queue of one runtime, at one
 * instant. Immutable.
 *
 * @param at         when it was read, by the runtime's clock
 * @param jobs       every registered job's state, by name
 * @param queue      the queue's {@link dev.cacheback.spi.RefreshQueue#describe() description}
 * @param queues     the state of each queue it knows; empty when it reports none or did not answer
 * @param queueError why the queue's state could not be read (escaped), or {@code null}
 */
public record FleetState(Instant at, List<JobState> jobs, String queue, List<QueueState> queues, String queueError) {

    public FleetState {
        Objects.requireNonNull(at, "at");
        jobs = List.copyOf(jobs);
        Objects.requireNonNull(queue, "queue");
        queues = List.copyOf(queues);
    }
}

package dev.cacheback.spi;

import java.time.Duration;

/**
 * One delivery of a refresh task by a queue's transport to the {@link dev.cacheback.WorkerEngine}:
 * what a broker module implements, so that the engine alone decides what becomes of the task
 * (DESIGN.md F3) and the module only moves bytes.
 *
 * <p>The engine calls exactly one of {@link #acknowledge}, {@link #retryAfter} and
 * {@link #deadLetter}, once, in the thread that called {@link dev.cacheback.WorkerEngine#process}.
 * If that call throws (the connection dropped), the transport must leave the task to be delivered
 * again (unacknowledged, pending), never lose it.
 */
public interface TaskDelivery {

    /**
     * The task.
     *
     * @throws MalformedTaskException when the delivered bytes are not a task this library reads; the
     *     engine then dead-letters the delivery
     */
    RefreshTask task();

    /** Which delivery of the task this is: 1 for the first, 2 for the first retry, and so on. */
    int attempt();

    /** The task is done with (refreshed, expired, or stood for by another refresh): remove it. */
    void acknowledge();

    /**
     * Deliver the task again, as attempt {@link #attempt()} + 1, no sooner than {@code delay} from now
     * (by the queue's clock), and remove this delivery. Must not block for the delay.
     */
    void retryAfter(Duration delay);

    /**
     * Move the task where an operator can see and re-queue it (a dead-letter stream or queue), with
     * {@code reason}, and remove this delivery.
     */
    void deadLetter(String reason);

    /**
     * How often {@link #heartbeat()} must be called while the task runs for the transport to keep it
     * (for example, under half of a Redis Streams claim timeout), or {@code null} when the transport
     * needs no heartbeat. Default {@code null}.
     */
    default Duration heartbeatInterval() {
        return null;
    }

    /**
     * Tells the transport the task is still running, so that it is not handed to another worker.
     * Called at least every {@link #heartbeatInterval()} while the refresh runs. Default: nothing.
     */
    default void heartbeat() {
    }
}

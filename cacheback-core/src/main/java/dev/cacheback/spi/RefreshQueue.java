package dev.cacheback.spi;

import dev.cacheback.TaskOptions;
import dev.cacheback.internal.InProcessRefreshQueue;

import java.util.concurrent.Executor;

/**
 * Carries refresh tasks from where a stale entry was found to a worker that refreshes it.
 *
 * <p>{@link #enqueue} is called in the thread of a user's {@code get}: it must return quickly and
 * never wait on a full queue. It returns {@code false} when it drops the task on purpose (the same
 * key is already waiting, the queue is full) and throws {@link RefreshQueueException} when it cannot
 * take the task (the broker is down, the publish was not confirmed in time); the engine then
 * refreshes synchronously (DESIGN.md S11).
 *
 * <p>Workers hand each delivery to the {@link dev.cacheback.WorkerEngine} of the {@link QueueContext}
 * given to {@link #open}, which runs it and tells the transport to acknowledge, retry after a backoff
 * or dead-letter it (DESIGN.md F3): the queue keeps only its transport. Whether a queue consumes in
 * this process is the queue's own setting (the in-process queue always does; broker queues when
 * configured as workers), and a broker queue built to defer its worker reads nothing before
 * {@link #startWorker()} (F4). Implementations are thread-safe.
 *
 * <p>Option names and defaults shared by every broker queue: the task option {@code queue} names the
 * queue, default {@value #DEFAULT_QUEUE}; {@code concurrency} (tasks run at once by this process's
 * worker) default {@value #DEFAULT_CONCURRENCY}; {@code connectTimeout} 2 s; {@code shutdownTimeout}
 * 30 s; reconnect attempts back off to at most 2 s apart; retries and dead letters follow the
 * runtime's {@link dev.cacheback.RetryPolicy}.
 */
public interface RefreshQueue extends AutoCloseable {

    /** The queue name tasks go to when a job's task options name none, on every broker queue. */
    String DEFAULT_QUEUE = "cacheback";

    /** How many tasks a worker runs at once by default, on every queue that has workers. */
    int DEFAULT_CONCURRENCY = 2;

    /**
     * A queue whose worker is {@code executor}, in this process, holding at most 10,000 waiting
     * tasks. The executor is not shut down by {@link #close()}: its owner does that.
     */
    static RefreshQueue inProcess(Executor executor) {
        return new InProcessRefreshQueue(executor, 10_000, false);
    }

    /**
     * A queue whose worker is {@code executor}, in this process.
     *
     * @param capacity the most tasks waiting at once; past it, new tasks are dropped and counted
     */
    static RefreshQueue inProcess(Executor executor, int capacity) {
        return new InProcessRefreshQueue(executor, capacity, false);
    }

    /**
     * Called once by the runtime that owns this queue, before any other method.
     *
     * @throws IllegalStateException if the queue is already opened by a runtime
     */
    void open(QueueContext context);

    /**
     * Hands a task to the queue.
     *
     * @return {@code true} if the task was taken, {@code false} if it was dropped on purpose (reported
     *     to the context's listener with the reason)
     * @throws RefreshQueueException when the queue cannot take the task
     */
    boolean enqueue(RefreshTask task);

    /**
     * Checks that this queue honours every option set in {@code options}.
     *
     * @throws IllegalArgumentException naming each option this queue does not honour, and those it does
     */
    void validate(TaskOptions options);

    /**
     * Starts this queue's workers if they were built to wait for it (a broker queue's
     * {@code deferWorkerStart()}); called by {@link dev.cacheback.Cacheback#startWorkers()} once every
     * job the process may refresh is registered. Does nothing for queues whose workers already run or
     * that have none. Idempotent. Default: nothing.
     */
    default void startWorker() {
    }

    /**
     * Checks that the broker answers, for health checks: one cheap round trip bounded by the
     * queue's own timeout (a passive queue declaration, a Redis {@code PING}). Returns normally when
     * it answers. Default: does nothing (an in-process queue always answers).
     *
     * @throws RefreshQueueException when the broker does not answer or refuses the queue
     */
    default void ping() {
    }

    /**
     * What each queue this queue knows holds now (its default queue, and those its worker consumes):
     * tasks waiting, waiting for a retry, in flight, and dead letters. One round trip per queue on a
     * broker, bounded by the queue's command timeout. Default: an empty list (the queue reports nothing).
     * Thread-safe.
     *
     * @throws RefreshQueueException when the broker does not answer
     */
    default java.util.List<QueueState> state() {
        return java.util.List.of();
    }

    /**
     * The first {@code limit} dead letters, oldest first, across the queues this queue knows. Reading
     * does not remove or reorder them. Default: an empty list (the queue keeps no dead letters it can
     * list). Thread-safe.
     *
     * @param limit the most to return, at least 1
     * @throws IllegalArgumentException when {@code limit} is below 1
     * @throws RefreshQueueException when the broker does not answer
     */
    default java.util.List<DeadLetter> deadLetters(int limit) {
        requireLimit(limit);
        return java.util.List.of();
    }

    /**
     * Re-queues one dead letter, by its {@link DeadLetter#id()}: it is removed from the dead letters and
     * its task enqueued again as a first attempt, made now and holding no lease (its worker takes the
     * key's lease itself). Default: {@code false} (no dead letter has that id). Thread-safe.
     *
     * @return whether a dead letter had that id (and was re-queued)
     * @throws RefreshQueueException when the broker does not answer; the dead letter is then kept
     */
    default boolean requeue(String id) {
        java.util.Objects.requireNonNull(id, "id");
        return false;
    }

    /**
     * Re-queues every dead letter held when the call starts, as {@link #requeue(String)} does one.
     * Default: {@code 0}. Thread-safe.
     *
     * @return how many were re-queued
     * @throws RefreshQueueException when the broker does not answer; those not yet moved are kept
     */
    default int requeueAll() {
        return 0;
    }

    /**
     * Checks a {@link #deadLetters(int)} limit.
     *
     * @throws IllegalArgumentException when {@code limit} is below 1
     */
    static int requireLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, not " + limit);
        }
        return limit;
    }

    /** A short description for logs, such as {@code in-process} or {@code amqp://mq:5672/}; never credentials. */
    default String describe() {
        return getClass().getSimpleName();
    }

    /**
     * Stops taking tasks and stops this queue's workers: tasks being refreshed finish (within a bounded
     * wait), tasks not started are returned to the broker or, in process, dropped and counted.
     * Idempotent.
     */
    @Override
    void close();
}

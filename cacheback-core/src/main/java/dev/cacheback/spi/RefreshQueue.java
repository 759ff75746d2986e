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

package dev.cacheback.test;

import dev.cacheback.TaskOptions;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskResult;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A queue that holds tasks until the test runs them with {@link #runPending()}: the role an RQ
 * "burst" plays for the seed's tests. It keeps every task and every result, and can be made to
 * refuse tasks ({@link #refuseTasks}) to exercise the synchronous fallback. It honours every task
 * option (records them) and never drops a task. Thread-safe.
 */
public final class ManualRefreshQueue implements RefreshQueue {

    private final Deque<RefreshTask> pending = new ArrayDeque<>();
    private final List<RefreshTask> enqueued = new ArrayList<>();
    private final List<TaskResult> results = new ArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean refusing;
    private volatile QueueContext context;

    @Override
    public synchronized void open(QueueContext context) {
        if (this.context != null) {
            throw new IllegalStateException("This manual queue is already opened by a runtime");
        }
        this.context = context;
    }

    @Override
    public boolean enqueue(RefreshTask task) {
        if (refusing) {
            refused.incrementAndGet();
            throw new RefreshQueueException("The manual queue is refusing tasks (refuseTasks(true))");
        }
        synchronized (this) {
            pending.addLast(task);
            enqueued.add(task);
        }
        return true;
    }

    /**
     * Runs pending tasks in this thread, including tasks enqueued while running, until none is left.
     *
     * @return how many ran
     */
    public int runPending() {
        QueueContext ctx = context;
        if (ctx == null) {
            throw new IllegalStateException("The manual queue is not opened by a runtime");
        }
        int ran = 0;
        while (true) {
            RefreshTask task;
            synchronized (this) {
                task = pending.pollFirst();
            }
            if (task == null) {
                return ran;
            }
            TaskResult result = ctx.handler().handle(task);
            synchronized (this) {
                results.add(result);
            }
            ran++;
        }
    }

    /** Makes {@link #enqueue} throw (as a broker that is down) until called with {@code false}. */
    public void refuseTasks(boolean refuse) {
        this.refusing = refuse;
    }

    /** Tasks waiting to run. */
    public synchronized List<RefreshTask> pending() {
        return List.copyOf(pending);
    }

    /** Every task ever taken, in order. */
    public synchronized List<RefreshTask> enqueued() {
        return List.copyOf(enqueued);
    }

    /** How many tasks were ever taken. */
    public synchronized int enqueuedCount() {
        return enqueued.size();
    }

    /** The result of every task run, in order. */
    public synchronized List<TaskResult> results() {
        return List.copyOf(results);
    }

    /** How many tasks were refused. */
    public int refusedCount() {
        return refused.get();
    }

    /** Forgets pending tasks, without running them. */
    public synchronized void clear() {
        pending.clear();
    }

    @Override
    public void validate(TaskOptions options) {
        // honours everything: a test double
    }

    @Override
    public String describe() {
        return "manual";
    }

    @Override
    public void close() {
        // nothing to release
    }
}

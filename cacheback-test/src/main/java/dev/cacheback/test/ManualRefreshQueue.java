package dev.cacheback.test;

import dev.cacheback.TaskOptions;
import dev.cacheback.WorkerEngine;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.QueueState;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskDelivery;
import dev.cacheback.spi.TaskResult;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A queue that holds tasks until the test runs them with {@link #runPending()}: the role an RQ
 * "burst" plays for the seed's tests. Every task goes through the runtime's
 * {@link dev.cacheback.WorkerEngine}, like on every real queue: a failed task is held for a retry due
 * after the policy's backoff <em>on the runtime's clock</em> (so a test advances its
 * {@link TestClock} to make it due), and dead-lettered after its last attempt
 * ({@link #deadLetters()}). It keeps every task and every result, and can be made to refuse tasks
 * ({@link #refuseTasks}) to exercise the synchronous fallback. It honours every task option (records
 * them) and never drops a task. Thread-safe.
 */
public final class ManualRefreshQueue implements RefreshQueue {

    /** A task waiting to run: which attempt it is and when it is due. */
    public record Pending(RefreshTask task, int attempt, Instant due) {
    }

    /**
     * A task the engine dead-lettered, with its reason.
     *
     * @param id     its id for {@link #requeue(String)}: a sequence number
     * @param deadAt when, by the runtime's clock
     */
    public record DeadLetter(String id, RefreshTask task, int attempts, String reason, Instant deadAt) {
    }

    /** The one queue name this queue reports its state under. */
    public static final String NAME = "manual";

    private final List<Pending> pending = new ArrayList<>();
    private final List<RefreshTask> enqueued = new ArrayList<>();
    private final List<TaskResult> results = new ArrayList<>();
    private final List<WorkerEngine.Decision> decisions = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private long deadLettered;
    private int running;
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
        Instant now = context().clock().instant();
        synchronized (this) {
            pending.add(new Pending(task, 1, now));
            enqueued.add(task);
        }
        return true;
    }

    /**
     * Runs the tasks that are due by the runtime's clock, in this thread, including tasks enqueued
     * while running, until none is due. Retries whose backoff has not passed stay pending.
     *
     * @return how many ran
     */
    public int runPending() {
        QueueContext ctx = context();
        int ran = 0;
        while (true) {
            Pending next = null;
            Instant now = ctx.clock().instant();
            synchronized (this) {
                for (int i = 0; i < pending.size(); i++) {
                    if (!pending.get(i).due().isAfter(now)) {
                        next = pending.remove(i);
                        break;
                    }
                }
            }
            if (next == null) {
                return ran;
            }
            synchronized (this) {
                running++;
            }
            WorkerEngine.Processed processed;
            try {
                processed = ctx.worker().process(new Delivery(ctx, next));
            } finally {
                synchronized (this) {
                    running--;
                }
            }
            synchronized (this) {
                results.add(processed.result());
                decisions.add(processed.decision());
            }
            ran++;
        }
    }

    private final class Delivery implements TaskDelivery {
        private final QueueContext ctx;
        private final Pending pending;

        Delivery(QueueContext ctx, Pending pending) {
            this.ctx = ctx;
            this.pending = pending;
        }

        @Override
        public RefreshTask task() {
            return pending.task();
        }

        @Override
        public int attempt() {
            return pending.attempt();
        }

        @Override
        public void acknowledge() {
        }

        @Override
        public void retryAfter(Duration delay) {
            Pending retry = new Pending(pending.task(), pending.attempt() + 1, ctx.clock().instant().plus(delay));
            synchronized (ManualRefreshQueue.this) {
                ManualRefreshQueue.this.pending.add(retry);
            }
        }

        @Override
        public void deadLetter(String reason) {
            synchronized (ManualRefreshQueue.this) {
                deadLettered++;
                deadLetters.add(new DeadLetter(Long.toString(deadLettered), pending.task(), pending.attempt(), reason,
                        ctx.clock().instant()));
            }
        }
    }

    private QueueContext context() {
        QueueContext ctx = context;
        if (ctx == null) {
            throw new IllegalStateException("The manual queue is not opened by a runtime");
        }
        return ctx;
    }

    /** Makes {@link #enqueue} throw (as a broker that is down) until called with {@code false}. */
    public void refuseTasks(boolean refuse) {
        this.refusing = refuse;
    }

    /** Tasks waiting to run, due or not. */
    public synchronized List<RefreshTask> pending() {
        return pending.stream().map(Pending::task).toList();
    }

    /** Tasks waiting to run, with their attempt and due instant. */
    public synchronized List<Pending> pendingDeliveries() {
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

    /** What the worker engine decided for every task run, in order. */
    public synchronized List<WorkerEngine.Decision> decisions() {
        return List.copyOf(decisions);
    }

    /** Every task dead-lettered, in order. */
    public synchronized List<DeadLetter> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /**
     * Its one queue, {@value #NAME}: tasks due now, tasks whose retry is not due yet (by the runtime's
     * clock), tasks running in {@link #runPending()}, dead letters held.
     */
    @Override
    public List<QueueState> state() {
        Instant now = context().clock().instant();
        synchronized (this) {
            long due = pending.stream().filter(p -> !p.due().isAfter(now)).count();
            return List.of(new QueueState(NAME, due, pending.size() - due, running, deadLetters.size()));
        }
    }

    @Override
    public synchronized List<dev.cacheback.spi.DeadLetter> deadLetters(int limit) {
        RefreshQueue.requireLimit(limit);
        return deadLetters.stream().limit(limit).map(d -> new dev.cacheback.spi.DeadLetter(d.id(), NAME,
                d.task().jobName(), d.task().key(), d.reason(), d.attempts(), d.deadAt())).toList();
    }

    /** Removes the dead letter and holds its task again, due now, as a first attempt without a lease. */
    @Override
    public boolean requeue(String id) {
        Objects.requireNonNull(id, "id");
        Instant now = context().clock().instant();
        synchronized (this) {
            for (int i = 0; i < deadLetters.size(); i++) {
                if (deadLetters.get(i).id().equals(id)) {
                    pending.add(new Pending(deadLetters.remove(i).task().renewed(now), 1, now));
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public int requeueAll() {
        Instant now = context().clock().instant();
        synchronized (this) {
            int n = deadLetters.size();
            deadLetters.forEach(d -> pending.add(new Pending(d.task().renewed(now), 1, now)));
            deadLetters.clear();
            return n;
        }
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

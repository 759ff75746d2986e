package dev.cacheback.internal;

import dev.cacheback.TaskOptions;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskDelivery;
import dev.cacheback.spi.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-process queue: tasks run on an executor of this process.
 *
 * <p>Per key it holds at most one waiting task: a key already waiting is dropped as a duplicate; a
 * key whose refresh is running gets one follow-up run after it (so an invalidation that arrives
 * mid-refresh is not lost), and further tasks for it are dropped. Past {@code capacity} waiting
 * tasks, new ones are dropped. Drops are counted and reported; {@link #enqueue} never blocks.
 *
 * <p>Honours the task options {@code queue} (every name shares the one executor) and
 * {@code expiration}; rejects {@code priority} and {@code delay}.
 *
 * <p>Each task goes through the runtime's {@link dev.cacheback.WorkerEngine}: a failed refresh is
 * tried again after the {@link dev.cacheback.RetryPolicy}'s backoff (scheduled on the runtime's
 * scheduler), and dead-lettered after its last attempt; dead letters are counted, reported to the
 * listener and the latest 100 kept for {@link #deadLetters()}. Tasks live in this process only: they
 * are lost when it stops (the next stale read makes a new one).
 */
public final class InProcessRefreshQueue implements RefreshQueue {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final EnumSet<TaskOptions.Option> HONOURED = EnumSet.of(TaskOptions.Option.QUEUE, TaskOptions.Option.EXPIRATION);

    private enum State { WAITING, RUNNING, RUNNING_THEN_AGAIN }

    private record Pending(RefreshTask task, int attempt) {
    }

    /**
     * A task dead-lettered by this queue, with the reason.
     *
     * @param id     its id for {@link #requeue(String)}: a sequence number
     * @param deadAt when, by the runtime's clock
     */
    public record DeadLetter(String id, RefreshTask task, int attempts, String reason, java.time.Instant deadAt) {
    }

    /** The one queue name this queue reports its state under. */
    public static final String NAME = "in-process";

    private static final int DEAD_LETTERS_KEPT = 100;

    private static final class Slot {
        State state;
        Pending next;

        Slot(State state, Pending next) {
            this.state = state;
            this.next = next;
        }
    }

    private final Executor executor;
    private final int capacity;
    private final boolean ownsExecutor;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicInteger retrying = new AtomicInteger();
    private final java.util.ArrayDeque<DeadLetter> deadLetters = new java.util.ArrayDeque<>();
    private final Object idle = new Object();
    private volatile QueueContext context;
    private volatile boolean closed;

    public InProcessRefreshQueue(Executor executor, int capacity, boolean ownsExecutor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, not " + capacity);
        }
        this.capacity = capacity;
        this.ownsExecutor = ownsExecutor;
    }

    @Override
    public synchronized void open(QueueContext context) {
        if (this.context != null) {
            throw new IllegalStateException("This in-process queue is already opened by a runtime; create one per runtime");
        }
        this.context = Objects.requireNonNull(context, "context");
    }

    @Override
    public boolean enqueue(RefreshTask task) {
        QueueContext ctx = context;
        if (ctx == null) {
            throw new IllegalStateException("The in-process queue is not opened: give it to Cacheback.builder().queue(...)");
        }
        if (closed) {
            throw new RefreshQueueException("The in-process refresh queue is closed");
        }
        return offer(ctx, new Pending(task, 1));
    }

    private boolean offer(QueueContext ctx, Pending pending) {
        RefreshTask task = pending.task();
        if (closed) {
            drop(ctx, task, "the queue was closed before the task could be tried again");
            return false;
        }
        boolean[] submit = {false};
        boolean[] accepted = {true};
        slots.compute(task.key(), (key, slot) -> {
            if (slot == null) {
                submit[0] = true;
                return new Slot(State.WAITING, pending);
            }
            if (slot.state == State.RUNNING) {
                slot.state = State.RUNNING_THEN_AGAIN;
                slot.next = pending;
                return slot;
            }
            accepted[0] = false;
            return slot;
        });
        if (!accepted[0]) {
            drop(ctx, task, "a refresh of this key is already waiting");
            return false;
        }
        return !submit[0] || submit(ctx, pending);
    }

    private boolean submit(QueueContext ctx, Pending pending) {
        RefreshTask task = pending.task();
        if (waiting.incrementAndGet() > capacity) {
            waiting.decrementAndGet();
            slots.remove(task.key());
            drop(ctx, task, "the queue is full (" + capacity + " tasks waiting)");
            return false;
        }
        try {
            executor.execute(() -> run(ctx, pending));
            return true;
        } catch (RejectedExecutionException e) {
            waiting.decrementAndGet();
            slots.remove(task.key());
            drop(ctx, task, "the executor rejected it (" + e.getMessage() + ")");
            return false;
        }
    }

    private void run(QueueContext ctx, Pending pending) {
        RefreshTask task = pending.task();
        waiting.decrementAndGet();
        active.incrementAndGet();
        try {
            slots.computeIfPresent(task.key(), (k, slot) -> {
                slot.state = State.RUNNING;
                slot.next = null;
                return slot;
            });
            if (closed) {
                drop(ctx, task, "the queue was closed before the task started");
            } else {
                ctx.worker().process(new Delivery(ctx, pending));
            }
        } catch (RuntimeException | Error e) {
            log.error("Refresh task {} threw past its handler", task, e);
        } finally {
            Pending[] again = {null};
            slots.computeIfPresent(task.key(), (k, slot) -> {
                if (slot.state == State.RUNNING_THEN_AGAIN && !closed) {
                    again[0] = slot.next;
                    slot.state = State.WAITING;
                    return slot;
                }
                return null;
            });
            if (again[0] != null) {
                submit(ctx, again[0]);
            }
            if (active.decrementAndGet() == 0 && waiting.get() == 0) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
    }

    /** One run of a task: settled by the worker engine. */
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
            Pending retry = new Pending(pending.task(), pending.attempt() + 1);
            retrying.incrementAndGet();
            try {
                ctx.scheduler().schedule(() -> {
                    retrying.decrementAndGet();
                    offer(ctx, retry);
                }, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                retrying.decrementAndGet();
                drop(ctx, pending.task(), "the runtime is closing; the retry was not scheduled");
            }
        }

        @Override
        public void deadLetter(String reason) {
            deadLettered.incrementAndGet();
            synchronized (deadLetters) {
                if (deadLetters.size() == DEAD_LETTERS_KEPT) {
                    deadLetters.removeFirst();
                }
                deadLetters.addLast(new DeadLetter(Long.toString(deadLettered.get()), pending.task(), pending.attempt(),
                        reason, ctx.clock().instant()));
            }
        }
    }

    /** The latest dead-lettered tasks (at most 100), oldest first. */
    public java.util.List<DeadLetter> deadLetters() {
        synchronized (deadLetters) {
            return java.util.List.copyOf(deadLetters);
        }
    }

    /** Its one queue, {@value #NAME}: tasks waiting, retries scheduled, tasks running, dead letters kept. */
    @Override
    public java.util.List<dev.cacheback.spi.QueueState> state() {
        int dead;
        synchronized (deadLetters) {
            dead = deadLetters.size();
        }
        return java.util.List.of(new dev.cacheback.spi.QueueState(NAME, Math.max(0, waiting.get()), retrying.get(),
                active.get(), dead));
    }

    /** The first {@code limit} of the dead letters kept (the latest 100), oldest first. */
    @Override
    public java.util.List<dev.cacheback.spi.DeadLetter> deadLetters(int limit) {
        RefreshQueue.requireLimit(limit);
        synchronized (deadLetters) {
            return deadLetters.stream().limit(limit).map(d -> new dev.cacheback.spi.DeadLetter(d.id(), NAME,
                    d.task().jobName(), d.task().key(), d.reason(), d.attempts(), d.deadAt())).toList();
        }
    }

    /**
     * Removes the dead letter and offers its task again as a first attempt (made now, without a lease);
     * the queue may still drop it as it drops any task (the key already waiting, the queue full).
     */
    @Override
    public boolean requeue(String id) {
        Objects.requireNonNull(id, "id");
        requireOpenFor("dead letter " + id);
        DeadLetter found = null;
        synchronized (deadLetters) {
            for (java.util.Iterator<DeadLetter> it = deadLetters.iterator(); it.hasNext(); ) {
                DeadLetter d = it.next();
                if (d.id().equals(id)) {
                    it.remove();
                    found = d;
                    break;
                }
            }
        }
        if (found == null) {
            return false;
        }
        resubmit(found);
        return true;
    }

    @Override
    public int requeueAll() {
        requireOpenFor("dead letters");
        java.util.List<DeadLetter> all;
        synchronized (deadLetters) {
            all = java.util.List.copyOf(deadLetters);
            deadLetters.clear();
        }
        all.forEach(this::resubmit);
        return all.size();
    }

    private void requireOpenFor(String what) {
        if (context == null || closed) {
            throw new RefreshQueueException("The in-process refresh queue is " + (closed ? "closed" : "not opened")
                    + ": " + what + " cannot be re-queued");
        }
    }

    private void resubmit(DeadLetter dead) {
        QueueContext ctx = context;
        log.info("Re-queuing dead letter {} (job {} key {})", dead.id(), LogText.escape(dead.task().jobName()),
                LogText.escape(dead.task().key()));
        offer(ctx, new Pending(dead.task().renewed(ctx.clock().instant()), 1));
    }

    /** Tasks dead-lettered since creation. */
    public long deadLetteredCount() {
        return deadLettered.get();
    }

    private void drop(QueueContext ctx, RefreshTask task, String reason) {
        dropped.incrementAndGet();
        log.debug("In-process queue dropped refresh of job {} key {}: {}", task.jobName(), task.key(), reason);
        ctx.listener().onTaskDropped(task.jobName(), task.key(), reason);
    }

    @Override
    public void validate(TaskOptions options) {
        options.requireOnly("The in-process refresh queue", HONOURED);
    }

    @Override
    public String describe() {
        return "in-process";
    }

    /** Tasks dropped since creation: duplicates, overflow, rejected by the executor, closed. */
    public long droppedCount() {
        return dropped.get();
    }

    /** Tasks waiting or running now. */
    public int size() {
        return waiting.get() + active.get();
    }

    /**
     * Waits until no task is waiting or running, for at most {@code timeoutMillis}.
     *
     * @return whether the queue became idle in time
     */
    public boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (idle) {
            while (size() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!awaitIdle(10_000)) {
                log.warn("In-process refresh queue closed with {} tasks still running after 10 s", active.get());
            }
            if (ownsExecutor && executor instanceof ExecutorService service) {
                service.shutdown();
                if (!service.awaitTermination(5, TimeUnit.SECONDS)) {
                    service.shutdownNow();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (ownsExecutor && executor instanceof ExecutorService service) {
                service.shutdownNow();
            }
        }
    }
}

package dev.cacheback.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The clock reading a hit decides freshness with, and the tick that small background work rides on.
 *
 * <p>Reading the system clock costs about as much as the rest of an in-memory hit (a vDSO call, some
 * 20 ns on a virtual machine), so when the runtime runs on the system clock a thread of the
 * runtime's ({@code cacheback-clock}) copies the clock into a field every {@code tick}, and a hit
 * reads the field. The thread runs only while hits happen: after about a second without one it
 * ends, and the next hit reads the clock itself and starts a new one. It parks between ticks and
 * allocates nothing while it runs.
 *
 * <p>A copied reading may lag the clock: by up to a tick normally, by longer when the machine is
 * starved or the process was paused. A lag only makes a hit look as if it had been made that much
 * earlier; still, an entry whose expiry is within {@link #slackMillis()} of the copied reading is
 * decided on the clock itself (see {@code Job}), so data that a write in this process made stale at
 * "now" is never answered fresh because of the lag. With a clock given to the runtime (a test's
 * clock), or a tick of zero, every reading is the clock's own and no thread is started.
 *
 * <p><b>Deferred work.</b> {@link #deferring(Executor)} gives an executor for work that may wait a
 * tick (Caffeine's maintenance, the hand-off of stale reads' marks): while the clock ticks, a
 * submission only raises a flag that the next tick sees, so that it neither allocates nor wakes a
 * thread; otherwise the work goes to the executor it falls back on. A task submitted again before
 * it ran runs once.
 *
 * <p>Thread-safe; {@link #close()} ends the thread and hands any requested work to its fallback.
 */
public final class HitClock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HitClock.class);
    /** {@link #ticked} while no thread copies the clock. */
    private static final long STOPPED = Long.MIN_VALUE;
    /** Entries closer to their expiry than this many ticks are decided on the clock itself. */
    private static final int SLACK_TICKS = 16;
    /** Without a hit for this long the thread ends. */
    private static final long IDLE_MILLIS = 1_000;
    /** Distinct tasks one deferring executor keeps flags for; further ones go to its fallback. */
    private static final int MAX_DEFERRED_TASKS = 32;
    private static final VarHandle REQUESTED;

    static {
        try {
            REQUESTED = MethodHandles.lookup().findVarHandle(Deferred.class, "requested", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Clock clock;
    private final long tickMillis;
    private final long slackMillis;
    private final long idleTicks;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long ticked = STOPPED;
    private volatile boolean read;
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile Deferred[] deferred = new Deferred[0];

    private HitClock(Clock clock, long tickMillis) {
        this.clock = clock;
        this.tickMillis = tickMillis;
        this.slackMillis = SLACK_TICKS * tickMillis;
        this.idleTicks = tickMillis == 0 ? 0 : Math.max(1, IDLE_MILLIS / tickMillis);
    }

    /** A hit clock that reads {@code clock} every time. */
    public static HitClock precise(Clock clock) {
        return new HitClock(clock, 0);
    }

    /**
     * A hit clock that copies {@code clock} every {@code tick} while hits happen; {@link #precise}
     * for a tick of zero.
     *
     * @throws IllegalArgumentException for a negative tick, or one under a millisecond or over a second
     */
    public static HitClock ticking(Clock clock, Duration tick) {
        checkTick(tick);
        return tick.isZero() ? precise(clock) : new HitClock(clock, tick.toMillis());
    }

    /**
     * Checks a tick: zero, or from 1 ms to 1 s.
     *
     * @throws IllegalArgumentException naming the range otherwise
     */
    public static void checkTick(Duration tick) {
        if (!tick.isZero() && (tick.compareTo(Duration.ofMillis(1)) < 0 || tick.compareTo(Duration.ofSeconds(1)) > 0)) {
            throw new IllegalArgumentException("The clock tick is zero (read the clock on every hit) or from 1 ms to "
                    + "1 s, not " + tick);
        }
    }

    /**
     * The clock's epoch milliseconds, or a copy of them at most a tick old while the thread runs
     * (lagging by longer only when the machine is starved).
     */
    public long millis() {
        long t = ticked;
        if (t != STOPPED) {
            if (!read) {
                read = true;
            }
            return t;
        }
        return start();
    }

    /**
     * How close to its expiry (by a {@link #millis()} reading) an entry must be for the clock itself
     * to decide: 0 for a precise clock.
     */
    public long slackMillis() {
        return slackMillis;
    }

    /**
     * Whether a thread copies the clock now (one starts on a reading, and ends when idle or closed).
     */
    public boolean ticking() {
        return ticked != STOPPED;
    }

    /**
     * An executor for work that may wait for the next tick: while the clock ticks, {@code execute}
     * raises the task's flag (no allocation once a task has been seen) and the clock's thread runs it
     * at its next tick; otherwise, and for more than a few distinct tasks, the task goes to
     * {@code otherwise}. Tasks must be quick and must tolerate running once for several submissions.
     */
    public Executor deferring(Executor otherwise) {
        return task -> defer(task, otherwise);
    }

    private void defer(Runnable task, Executor otherwise) {
        Deferred d = find(task);
        if (d == null) {
            otherwise.execute(task);
            return;
        }
        d.requested = true;
        if (ticking()) {
            return;   // still ticking after the flag went up: a tick (or the ending thread's last pass) runs it
        }
        if (REQUESTED.compareAndSet(d, true, false)) {
            otherwise.execute(task);
        }
    }

    private Deferred find(Runnable task) {
        for (Deferred d : deferred) {
            if (d.task == task) {
                return d;
            }
        }
        synchronized (this) {
            Deferred[] current = deferred;
            for (Deferred d : current) {
                if (d.task == task) {
                    return d;
                }
            }
            if (current.length >= MAX_DEFERRED_TASKS) {
                return null;
            }
            Deferred d = new Deferred(task);
            Deferred[] more = Arrays.copyOf(current, current.length + 1);
            more[current.length] = d;
            deferred = more;
            return d;
        }
    }

    private long start() {
        long now = clock.millis();
        if (tickMillis > 0 && !closed && running.compareAndSet(false, true)) {
            ticked = now;
            Thread t = new Thread(this::run, "cacheback-clock");
            t.setDaemon(true);
            thread = t;
            try {
                t.start();
            } catch (OutOfMemoryError | RuntimeException cannotStart) {
                ticked = STOPPED;   // every reading stays the clock's own (running stays set: no retry storm)
                log.warn("Cannot start the clock thread; hits read the clock itself: {}", cannotStart.toString());
            }
        }
        return now;
    }

    /** The clock thread: a tick every {@code tickMillis} until idle or closed. */
    private void run() {
        long tickNanos = tickMillis * 1_000_000L;
        long ticksWithoutRead = 0;
        while (!closed) {
            LockSupport.parkNanos(this, tickNanos);
            if (read) {
                read = false;
                ticksWithoutRead = 0;
            } else if (++ticksWithoutRead >= idleTicks) {
                break;
            }
            ticked = clock.millis();
            runRequested();
        }
        ticked = STOPPED;
        thread = null;
        running.set(false);
        runRequested();   // after STOPPED is visible: whoever raised a flag before it saw the clock ticking
    }

    private void runRequested() {
        for (Deferred d : deferred) {
            if (d.requested && REQUESTED.compareAndSet(d, true, false)) {
                try {
                    d.task.run();
                } catch (RuntimeException | Error e) {
                    log.error("A task deferred to the clock's tick failed", e);
                }
            }
        }
    }

    /** Ends the clock's thread for good (waiting up to a second for it): every reading is the clock's own. */
    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            LockSupport.unpark(t);
            try {
                t.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A task that may wait for the next tick, and whether it waits. */
    private static final class Deferred {
        final Runnable task;
        volatile boolean requested;

        Deferred(Runnable task) {
            this.task = task;
        }
    }

    /** For tests: how many distinct deferred tasks are known. */
    int deferredTasks() {
        return deferred.length;
    }
}

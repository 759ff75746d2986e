package dev.cacheback.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The clock reading a hit decides freshness with. Reading the system clock costs about as much as
 * the rest of an in-memory hit (a vDSO call, some 20 ns on a virtual machine), so when the runtime
 * runs on the system clock a task on its scheduler copies the clock into a field every
 * {@code tick}, and a hit reads the field. The task runs only while hits happen: after about a
 * second without one it stops, and the next hit reads the clock itself and starts it again.
 *
 * <p>A copied reading may lag the clock: by up to a tick normally, by longer when the scheduler is
 * starved or the process was paused. A lag only makes a hit look as if it had been made that much
 * earlier; still, an entry whose expiry is within {@link #slackMillis()} of the copied reading is
 * decided on the clock itself (see {@code Job}), so data that a write in this process made stale
 * at "now" is never answered fresh because of the lag. With a clock given to the runtime (a test's
 * clock), or a tick of zero, every reading is the clock's own.
 *
 * <p>Thread-safe; {@link #close()} stops the task (the scheduler is not the clock's to shut down).
 */
public final class HitClock implements AutoCloseable {

    /** {@link #ticked} while no task copies the clock. */
    private static final long STOPPED = Long.MIN_VALUE;
    /** Entries closer to their expiry than this many ticks are decided on the clock itself. */
    private static final int SLACK_TICKS = 16;
    /** Ticks without a hit after which the task stops. */
    private static final long IDLE_MILLIS = 1_000;

    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final long tickMillis;
    private final long slackMillis;
    private final long idleTicks;
    private final Runnable onTick;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long ticked = STOPPED;
    private volatile boolean read;
    private volatile boolean closed;
    // the scheduler's thread only
    private long ticksWithoutRead;
    private volatile ScheduledFuture<?> task;

    private HitClock(Clock clock, ScheduledExecutorService scheduler, long tickMillis, Runnable onTick) {
        this.clock = clock;
        this.onTick = onTick;
        this.scheduler = scheduler;
        this.tickMillis = tickMillis;
        this.slackMillis = SLACK_TICKS * tickMillis;
        this.idleTicks = tickMillis == 0 ? 0 : Math.max(1, IDLE_MILLIS / tickMillis);
    }

    /** A hit clock that reads {@code clock} every time. */
    public static HitClock precise(Clock clock) {
        return new HitClock(clock, null, 0, () -> { });
    }

    /**
     * A hit clock that copies {@code clock} every {@code tick} on {@code scheduler} while hits happen;
     * {@link #precise} for a tick of zero.
     *
     * @throws IllegalArgumentException for a negative tick, or one under a millisecond or over a second
     */
    public static HitClock ticking(Clock clock, ScheduledExecutorService scheduler, Duration tick) {
        return ticking(clock, scheduler, tick, () -> { });
    }

    /**
     * {@link #ticking(Clock, ScheduledExecutorService, Duration)}, running {@code onTick} on the
     * scheduler's thread after every tick and once more when the task stops (work that waits for the
     * next tick is never left behind by a stopping task: see {@link #ticking()}). {@code onTick} must
     * be quick and must not throw.
     */
    public static HitClock ticking(Clock clock, ScheduledExecutorService scheduler, Duration tick, Runnable onTick) {
        if (tick.isZero()) {
            return precise(clock);
        }
        if (tick.isNegative() || tick.compareTo(Duration.ofMillis(1)) < 0 || tick.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("The hit clock's tick is zero (read the clock on every hit) or from 1 ms to "
                    + "1 s, not " + tick);
        }
        return new HitClock(clock, scheduler, tick.toMillis(), onTick);
    }

    /**
     * The clock's epoch milliseconds, or a copy of them at most a tick old while the task runs
     * (lagging by longer only when the scheduler is starved).
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
     * Whether a task copies the clock now (it starts on a reading, stops when idle or closed). Work
     * left for the next tick is safe when this is still true <em>after</em> leaving it: the stopping
     * task runs {@code onTick} once more after this turns false.
     */
    public boolean ticking() {
        return ticked != STOPPED;
    }

    /** The milliseconds between copies; 0 for a precise clock. */
    public long tickMillis() {
        return tickMillis;
    }

    private long start() {
        long now = clock.millis();
        if (scheduler != null && !closed && running.compareAndSet(false, true)) {
            ticksWithoutRead = 0;
            ticked = now;
            try {
                task = scheduler.scheduleAtFixedRate(this::tick, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shutDown) {
                ticked = STOPPED;   // the runtime is closing: every reading is the clock's from now on (running stays set)
            }
        }
        return now;
    }

    private void tick() {
        if (closed) {
            stop();
            return;
        }
        if (read) {
            read = false;
            ticksWithoutRead = 0;
        } else if (++ticksWithoutRead >= idleTicks) {
            stop();
            return;
        }
        ticked = clock.millis();
        onTick.run();
    }

    /** Stops the task; the next reading starts it again (unless closed). Runs on the scheduler's thread. */
    private void stop() {
        ScheduledFuture<?> t = task;
        if (t == null) {
            return;   // the task ran before start() had stored it; stop on the next idle tick
        }
        ticked = STOPPED;
        task = null;
        t.cancel(false);
        running.set(false);
        onTick.run();   // after STOPPED is visible: whoever left work for a tick after this sees it stopped
    }

    /** Stops the task for good: every reading is the clock's own. */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> t = task;
        ticked = STOPPED;
        if (t != null) {
            t.cancel(false);
        }
        onTick.run();
    }
}

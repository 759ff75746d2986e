package dev.cacheback;

import dev.cacheback.internal.LogText;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts behind {@link JobState}, one set per job name and runtime, held by every job of that
 * name in a final field: a read adds to one striped counter (no lock, no map lookup, no allocation
 * once its cell exists); errors, rare, go to a small locked ring.
 */
final class JobCounters {

    final LongAdder hits = new LongAdder();
    final LongAdder stale = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder inFlight = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder backedOff = new LongAdder();
    private volatile Instant lastBackoffUntil;
    private final ArrayDeque<JobState.Error> errors = new ArrayDeque<>(JobState.ERRORS_KEPT);

    /** Keeps an error, escaping its key and message, dropping the oldest past {@link JobState#ERRORS_KEPT}. */
    void error(Instant at, String key, String message) {
        JobState.Error error = new JobState.Error(at, LogText.escape(key), LogText.escape(message));
        synchronized (errors) {
            if (errors.size() == JobState.ERRORS_KEPT) {
                errors.removeFirst();
            }
            errors.addLast(error);
        }
    }

    void backedOff(Instant until) {
        backedOff.increment();
        lastBackoffUntil = until;
    }

    Instant lastBackoffUntil() {
        return lastBackoffUntil;
    }

    List<JobState.Error> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }
}

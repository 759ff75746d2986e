package dev.cacheback.test;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A job for tests: {@code fetch(args)} returns {@code args + "#" + n} where {@code n} counts fetches
 * (1, 2, …), can be told to fail, and can be held at a gate so that concurrent callers pile up
 * behind one fetch. Thread-safe.
 */
public class CountingJob extends Job<String, String> {

    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    private volatile CountDownLatch gate;
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile long fetchMillis;

    public CountingJob(Cacheback cacheback, JobSettings settings) {
        super(cacheback, settings);
    }

    @Override
    protected String fetch(String args) throws Exception {
        int running = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(running, Math::max);
        try {
            CountDownLatch g = gate;
            if (g != null && !g.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test gate never opened");
            }
            long sleep = fetchMillis;
            if (sleep > 0) {
                Thread.sleep(sleep); // a slow source, in real time: only for tests with real threads and leases
            }
            int n = fetches.incrementAndGet();
            RuntimeException f = failure.get();
            if (f != null) {
                throw f;
            }
            if (failuresLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                throw new IllegalStateException("planned failure of fetch " + n);
            }
            return args + "#" + n;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Makes the next {@code times} fetches throw, then succeed again. */
    public void failNext(int times) {
        failuresLeft.set(times);
    }

    /** Makes every later fetch take {@code millis} of real time (a slow source). */
    public void fetchTakes(long millis) {
        fetchMillis = millis;
    }

    /** Fetches running now (held at the gate or fetching). */
    public int fetchesInFlight() {
        return inFlight.get();
    }

    /** The most fetches that ever ran at once. */
    public int maxConcurrentFetches() {
        return maxInFlight.get();
    }

    /** Fetches started so far (including failed ones). */
    public int fetches() {
        return fetches.get();
    }

    /** Makes every later fetch throw {@code e}; {@code null} to succeed again. */
    public void failWith(RuntimeException e) {
        failure.set(e);
    }

    /** Holds every later fetch until {@link #openGate()}. */
    public void closeGate() {
        gate = new CountDownLatch(1);
    }

    /** Lets held fetches go. */
    public void openGate() {
        CountDownLatch g = gate;
        gate = null;
        if (g != null) {
            g.countDown();
        }
    }
}

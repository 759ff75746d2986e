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

    public CountingJob(Cacheback cacheback, JobSettings settings) {
        super(cacheback, settings);
    }

    @Override
    protected String fetch(String args) throws Exception {
        CountDownLatch g = gate;
        if (g != null && !g.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("test gate never opened");
        }
        int n = fetches.incrementAndGet();
        RuntimeException f = failure.get();
        if (f != null) {
            throw f;
        }
        return args + "#" + n;
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

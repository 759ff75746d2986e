package dev.cacheback.benchmarks;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The job every benchmark measures: {@code String} arguments, {@code String} values, a fetch that
 * counts itself and (optionally) takes {@code fetchMillis} of real time.
 */
class BenchJob extends Job<String, String> {

    private final AtomicInteger fetches = new AtomicInteger();
    private final long fetchMillis;

    BenchJob(Cacheback cacheback, JobSettings settings, long fetchMillis) {
        super(cacheback, settings);
        this.fetchMillis = fetchMillis;
    }

    @Override
    protected String fetch(String args) throws Exception {
        fetches.incrementAndGet();
        if (fetchMillis > 0) {
            Thread.sleep(fetchMillis);
        }
        return Values.valueFor(args);
    }

    int fetches() {
        return fetches.get();
    }
}

package dev.cacheback.memcached;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;

/**
 * A job whose fetches are counted in memcached ({@code incr} of a counter key), so that fetches in
 * several processes add up in one place. Its value is {@code args + "@fresh"}.
 */
final class SharedCounterJob extends Job<String, String> {

    private final MemcachedText counters;
    private final String fetchCounter;

    SharedCounterJob(Cacheback cacheback, String name, MemcachedText counters, String fetchCounter) {
        super(cacheback, JobSettings.builder().name(name).lifetime(java.time.Duration.ofMinutes(10)).build());
        this.counters = counters;
        this.fetchCounter = fetchCounter;
    }

    @Override
    protected String fetch(String args) {
        counters.incr(fetchCounter, 1);
        return args + "@fresh";
    }
}

package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link CountingJob} that also records the arguments of each fetch as it starts and as it ends, and counts per argument. */
class RecordingJob extends CountingJob {

    final List<String> started = new CopyOnWriteArrayList<>();
    final List<String> done = new CopyOnWriteArrayList<>();
    final Map<String, AtomicInteger> perArgs = new ConcurrentHashMap<>();

    RecordingJob(Cacheback cacheback, String name) {
        super(cacheback, JobSettings.builder().name(name).build());
    }

    RecordingJob(Cacheback cacheback, JobSettings settings) {
        super(cacheback, settings);
    }

    @Override
    protected String fetch(String args) throws Exception {
        started.add(args);
        perArgs.computeIfAbsent(args, a -> new AtomicInteger()).incrementAndGet();
        String result = super.fetch(args);
        done.add(args);
        return result;
    }
}

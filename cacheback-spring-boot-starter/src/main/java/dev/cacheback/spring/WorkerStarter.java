package dev.cacheback.spring;

import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextRefreshedEvent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Starts broker workers once every singleton (so every job bean and {@link Cacheback @Cacheback}
 * method) exists: a task taken earlier would name a job not yet registered and be dead-lettered.
 */
final class WorkerStarter implements ApplicationListener<ContextRefreshedEvent> {

    private final List<Runnable> starts = new CopyOnWriteArrayList<>();
    private volatile boolean started;

    /** Runs {@code start} when the context is refreshed, or now if it already was. */
    void onStart(Runnable start) {
        if (started) {
            start.run();
        } else {
            starts.add(start);
        }
    }

    @Override
    public void onApplicationEvent(ContextRefreshedEvent event) {
        if (started) {
            return;
        }
        started = true;
        starts.forEach(Runnable::run);
        starts.clear();
    }
}

package dev.cacheback.spring;

import dev.cacheback.Job;
import dev.cacheback.WorkerLauncher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * Starts the runtime's workers once the context is refreshed and, on a <em>worker node</em>, keeps the
 * JVM up until the context closes.
 *
 * <p>A worker node is an application with {@code cacheback.worker.enabled=true} (the default) and a
 * broker queue ({@code cacheback.queue.type=redis} or {@code rabbitmq}). Every Cacheback thread is a
 * daemon, so an application without a web server ({@code spring.main.web-application-type=none})
 * would otherwise exit as soon as {@code main} returns; on a worker node this lifecycle holds one
 * non-daemon thread, {@code cacheback-worker-node}, from {@link #start()} to {@link #stop()}. Boot's
 * own {@code spring.main.keep-alive} does the same when the application sets it; this one needs no
 * property.
 *
 * <p>{@link #start()} runs after every singleton exists, so every {@link Cached @Cached} method's job
 * and every {@link Job} bean is registered before the first task is read (DESIGN.md F4). On a worker
 * node it first refuses to start, through {@link CachebackConfigurationException} (reported by
 * {@link CachebackFailureAnalyzer}), when no job exists, or when a cache is private to the process
 * ({@link WorkerLauncher#requireSharedCaches}) unless {@code cacheback.worker.allow-local-cache=true};
 * then it calls {@link dev.cacheback.Cacheback#startWorkers()} (on every node: it does nothing for
 * queues that consume nothing here).
 *
 * <p>Its phase is below the web server's, so it starts before the server takes requests and stops
 * after the server has drained them. {@link #stop()} on a worker node closes the runtime: the workers
 * stop taking tasks, running refreshes finish within the queue's shutdown timeout (30 s by default)
 * while the beans they call still exist, waiting tasks stay with the broker; then the thread ends and,
 * on SIGTERM, the JVM exits once the context has closed. Thread-safe.
 */
final class WorkerNode implements SmartLifecycle {

    /** Below the web server's phases (graceful shutdown at {@code DEFAULT_PHASE - 1024}, the server at {@code - 2048}). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    private final ObjectProvider<dev.cacheback.Cacheback> runtime;
    private final CachebackProperties properties;
    private final Object lock = new Object();
    private Thread keepAlive;
    private CountDownLatch stopped;
    private volatile boolean running;

    WorkerNode(ObjectProvider<dev.cacheback.Cacheback> runtime, CachebackProperties properties) {
        this.runtime = runtime;
        this.properties = properties;
    }

    /** Whether these properties make a worker node: the worker enabled on a broker queue. */
    static boolean isWorkerNode(CachebackProperties properties) {
        return properties.getWorker().isEnabled()
                && properties.getQueue().getType() != CachebackProperties.QueueType.IN_PROCESS;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public void start() {
        synchronized (lock) {
            if (running) {
                return;
            }
            dev.cacheback.Cacheback cacheback = runtime.getIfAvailable();
            if (cacheback == null) {
                return;
            }
            boolean workerNode = isWorkerNode(properties);
            if (workerNode) {
                requireJobs(cacheback, properties);
                if (!properties.getWorker().isAllowLocalCache()) {
                    requireSharedCaches(cacheback, properties);
                }
            }
            if (properties.getWorker().isEnabled()) {
                cacheback.startWorkers();
            }
            if (workerNode) {
                CountDownLatch latch = new CountDownLatch(1);
                Thread thread = new Thread(() -> {
                    try {
                        latch.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "cacheback-worker-node");
                thread.setDaemon(false);
                thread.start();
                keepAlive = thread;
                stopped = latch;
                String jobs = cacheback.jobs().stream().map(Job::name).sorted().collect(Collectors.joining(", "));
                log.info("Cacheback worker node consuming from {}, {} tasks at once; jobs [{}]; it stops when the context "
                        + "closes (SIGTERM)", cacheback.queue().describe(), properties.getWorker().getConcurrency(), jobs);
            }
            running = true;
        }
    }

    private static void requireJobs(dev.cacheback.Cacheback cacheback, CachebackProperties properties) {
        if (cacheback.jobs().isEmpty()) {
            throw new CachebackConfigurationException("This application is a Cacheback worker node (cacheback.worker.enabled "
                    + "is true and cacheback.queue.type is " + CachebackAutoConfiguration.name(properties.getQueue().getType())
                    + "), but it has no job to refresh: no @Cached method and no Job bean exists once the context is "
                    + "refreshed, so every task it took would name an unknown job and be dead-lettered.",
                    "Run the same application as your web nodes (its @Cached methods and Job beans) as the worker node, "
                            + "or set cacheback.worker.enabled=false if this application only publishes.");
        }
    }

    private static void requireSharedCaches(dev.cacheback.Cacheback cacheback, CachebackProperties properties) {
        try {
            WorkerLauncher.requireSharedCaches(cacheback);
        } catch (IllegalStateException e) {
            Map<String, String> local = new LinkedHashMap<>();
            cacheback.caches().forEach((alias, backend) -> {
                if (!backend.shared()) {
                    local.put(alias, backend.describe());
                }
            });
            String aliases = local.keySet().stream().map(a -> "cacheback.caches." + a + ".type")
                    .collect(Collectors.joining(", "));
            throw new CachebackConfigurationException("This application is a Cacheback worker node (cacheback.worker.enabled "
                    + "is true and cacheback.queue.type is " + CachebackAutoConfiguration.name(properties.getQueue().getType())
                    + "), but its cache" + (local.size() > 1 ? "s " : " ") + local + (local.size() > 1 ? " are" : " is")
                    + " private to this process: its refreshes would reach no other process, and every web node "
                    + "would keep serving stale data.",
                    "Give this node the caches your web nodes use (set " + (aliases.isEmpty() ? "cacheback.caches.<alias>.type"
                            : aliases) + " to redis or memcached, with its address), or set "
                            + "cacheback.worker.allow-local-cache=true if a private cache is really what you want.");
        }
    }

    @Override
    public void stop() {
        Thread thread;
        synchronized (lock) {
            if (!running) {
                return;
            }
            running = false;
            thread = keepAlive;
            keepAlive = null;
            if (thread == null) {
                return;
            }
        }
        try {
            dev.cacheback.Cacheback cacheback = runtime.getIfAvailable();
            if (cacheback != null) {
                cacheback.close();   // idempotent: the bean's own close later does nothing more
            }
            log.info("Cacheback worker node stopped");
        } finally {
            stopped.countDown();
            try {
                thread.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}

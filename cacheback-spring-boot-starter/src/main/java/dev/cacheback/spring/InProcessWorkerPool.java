package dev.cacheback.spring;

import dev.cacheback.spi.RefreshQueue;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread pool of the in-process queue when its settings differ from the runtime's own default (2
 * threads, 10,000 waiting tasks). A separate bean so that it shuts down after the runtime closed.
 */
final class InProcessWorkerPool implements AutoCloseable {

    private final ThreadPoolExecutor executor;
    private final RefreshQueue queue;

    InProcessWorkerPool(CachebackProperties properties) {
        CachebackProperties.Queue queue = properties.getQueue();
        CachebackProperties.Worker worker = properties.getWorker();
        if (queue.getType() != CachebackProperties.QueueType.IN_PROCESS) {
            this.executor = null;
            this.queue = null;
            return;
        }
        if (!worker.isEnabled()) {
            throw new IllegalStateException("cacheback.worker.enabled=false needs a broker queue (cacheback.queue.type=redis "
                    + "or rabbitmq): the in-process queue is its own worker");
        }
        if (worker.getConcurrency() < 1) {
            throw new IllegalStateException("cacheback.worker.concurrency must be at least 1, not " + worker.getConcurrency());
        }
        if (!worker.getQueues().isEmpty()) {
            throw new IllegalStateException("cacheback.worker.queues names broker queues; the in-process queue has one "
                    + "pool for every queue name: remove it or choose a broker queue");
        }
        Integer capacity = queue.getInProcess().getCapacity();
        if (capacity != null && capacity < 1) {
            throw new IllegalStateException("cacheback.queue.in-process.capacity must be at least 1, not " + capacity);
        }
        if (capacity == null && worker.getConcurrency() == 2) {
            this.executor = null;   // the runtime's own default pool
            this.queue = null;
            return;
        }
        int threads = worker.getConcurrency();
        AtomicInteger counter = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "cacheback-refresh-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.queue = RefreshQueue.inProcess(executor, capacity != null ? capacity : 10_000);
    }

    /** The queue to give the runtime, or {@code null} for the runtime's default. */
    RefreshQueue queue() {
        return queue;
    }

    /** Threads of the pool, or 0 when the runtime's default pool is used. */
    int threads() {
        return executor == null ? 0 : executor.getCorePoolSize();
    }

    @Override
    public void close() {
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }
}

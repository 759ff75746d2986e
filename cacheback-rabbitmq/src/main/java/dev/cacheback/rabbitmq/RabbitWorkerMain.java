package dev.cacheback.rabbitmq;

import dev.cacheback.WorkerLauncher;

/**
 * A standalone worker process: consumes refresh tasks from RabbitMQ and runs them, as
 * {@code celery worker} does for the seed.
 * <pre>
 * java -cp 'app.jar:lib/*' dev.cacheback.rabbitmq.RabbitWorkerMain \
 *     --uri amqp://user:pass@mq:5672/ --queues cacheback,reports --concurrency 4 --prefetch 1
 * </pre>
 * The jobs it may run come from the {@link dev.cacheback.spi.JobCatalog}s on the class path
 * ({@code META-INF/services/dev.cacheback.spi.JobCatalog}): each configures the runtime's builder (its
 * caches, which must be the ones the web processes use; not its queue, which is this worker's), then
 * constructs its jobs. Consuming starts once every job is constructed. SIGTERM (or Ctrl-C) stops it
 * cleanly: running tasks finish, tasks not started return to the queue.
 *
 * <p>Options: {@code --uri} (default: the {@code CACHEBACK_RABBITMQ_URI} environment variable),
 * {@code --prefetch} (default 1), and the launcher's {@code --queues} (default {@code cacheback}),
 * {@code --concurrency} (default 2), {@code --shutdown-timeout} (seconds, default 30) and
 * {@code --allow-local-cache}; see {@link WorkerLauncher}. Exit status 2, with a message naming the fix,
 * for a usage error, no catalog, no job, or caches private to the process without
 * {@code --allow-local-cache}; passwords in URIs are never printed.
 */
public final class RabbitWorkerMain {

    private RabbitWorkerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        WorkerLauncher.main(new RabbitTransport(), args);
    }
}

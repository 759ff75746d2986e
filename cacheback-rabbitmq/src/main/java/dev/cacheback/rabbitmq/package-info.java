/**
 * A RabbitMQ refresh queue and worker: the role Celery on RabbitMQ plays for the seed.
 *
 * <p>{@link dev.cacheback.rabbitmq.RabbitRefreshQueue} publishes refresh tasks off the caller's path: an
 * enqueue hands the task to one publishing thread and returns, publisher confirms are tracked
 * asynchronously with at most {@code maxUnconfirmed} in flight, and a broker that hangs opens a breaker
 * after one {@code publishTimeout} so that stale reads refresh synchronously instead of waiting
 * (DESIGN.md F5). Built with {@code consume(…)}, it is also the transport of a worker: each message
 * becomes a {@link dev.cacheback.spi.TaskDelivery} for the runtime's {@link dev.cacheback.WorkerEngine},
 * which acknowledges it, retries it after a backoff through a retry queue per rounded delay
 * ({@code <queue>.retry.<ms>}), or dead-letters it to {@code <queue>.dead} with its reason (F3); lost
 * connections are recovered at most 2 s apart and unacknowledged tasks delivered again (F6).
 * {@link dev.cacheback.rabbitmq.RabbitWorkerMain} is the standalone worker process, on the core's
 * {@link dev.cacheback.WorkerLauncher} (F4). {@link dev.cacheback.rabbitmq.RabbitBackplane} carries the
 * invalidations of near caches ({@link dev.cacheback.spi.CacheBackend#tiered}) on a fanout exchange.
 * Everything else here is package-private.
 */
package dev.cacheback.rabbitmq;

/**
 * A RabbitMQ refresh queue and worker: the role Celery on RabbitMQ plays for the seed.
 * {@link dev.cacheback.rabbitmq.RabbitRefreshQueue} publishes refresh tasks with publisher confirms
 * and, built with {@code consume(…)}, runs them with manual acknowledgements, bounded retries and a
 * dead-letter queue; {@link dev.cacheback.rabbitmq.RabbitWorkerMain} is the standalone worker process.
 * Everything else here is package-private.
 */
package dev.cacheback.rabbitmq;

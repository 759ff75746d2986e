package dev.cacheback.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Envelope;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskDelivery;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One message consumed from a work queue, as the {@link dev.cacheback.WorkerEngine} sees it (DESIGN.md
 * F3). Used only by the consumer thread of its channel, which is the only thread that publishes on it.
 *
 * <ul>
 *   <li>{@link #attempt()}: the {@code x-cacheback-attempts} header, 1 when absent; a redelivery
 *       (the worker holding it died) is the same attempt again;</li>
 *   <li>{@link #acknowledge()}: {@code basicAck};</li>
 *   <li>{@link #retryAfter}: publishes the message, with the attempts header raised by one, to the
 *       retry queue {@code <queue>.retry.<ms>} whose TTL is the delay rounded up to its bucket
 *       ({@link Topology#retryBucketMillis}: never shorter, under 25 % longer), which dead-letters it
 *       back into the work queue; once the broker confirmed that copy, acks the original;</li>
 *   <li>{@link #deadLetter}: publishes it to {@code <queue>.dead} with the reason in
 *       {@code x-cacheback-reason} (and the queue, attempts and time in other headers); once
 *       confirmed, acks the original.</li>
 * </ul>
 * When the copy is not confirmed within the publish timeout, the original is returned to its queue
 * ({@code basicNack} with requeue) and {@link RefreshQueueException} is thrown: the task is delivered
 * again, never lost.
 */
final class RabbitDelivery implements TaskDelivery {

    private final Channel channel;
    private final String queue;
    private final Envelope envelope;
    private final AMQP.BasicProperties props;
    private final byte[] body;
    private final Config config;
    private final Clock clock;
    private RefreshTask task;

    RabbitDelivery(Channel channel, String queue, Envelope envelope, AMQP.BasicProperties props, byte[] body,
                   Config config, Clock clock) {
        this.channel = channel;
        this.queue = queue;
        this.envelope = envelope;
        this.props = props;
        this.body = body;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public RefreshTask task() {
        if (task == null) {
            task = RefreshTask.fromBytes(body);
        }
        return task;
    }

    @Override
    public int attempt() {
        return Topology.attempt(props.getHeaders());
    }

    @Override
    public void acknowledge() {
        try {
            channel.basicAck(envelope.getDeliveryTag(), false);
        } catch (IOException | RuntimeException e) {
            throw new RefreshQueueException("Could not acknowledge a task from queue \"" + queue + "\" ("
                    + Publisher.describe(e) + "); the broker delivers it again", e);
        }
    }

    @Override
    public void retryAfter(Duration delay) {
        long bucket = Topology.retryBucketMillis(delay);
        Map<String, Object> headers = copyHeaders();
        headers.put(Topology.ATTEMPTS, attempt() + 1);
        AMQP.BasicProperties copy = props.builder().headers(headers).deliveryMode(2).expiration(null).build();
        String target = Topology.retryQueue(queue, bucket);
        publishThenAck(target, copy, () -> Topology.declareRetry(channel, queue, bucket));
    }

    @Override
    public void deadLetter(String reason) {
        Map<String, Object> headers = copyHeaders();
        headers.put(Topology.REASON, Publisher.truncate(reason));
        headers.put(Topology.ATTEMPTS, attempt());
        headers.put(Topology.QUEUE, queue);
        headers.put(Topology.DEAD_AT, clock.instant().toString());
        AMQP.BasicProperties copy = props.builder().headers(headers).deliveryMode(2).expiration(null)
                .messageId(java.util.UUID.randomUUID().toString()).build();
        publishThenAck(Topology.deadQueue(queue), copy, () -> Topology.declareDead(channel, queue));
    }

    private interface Declare {
        void run() throws IOException;
    }

    private void publishThenAck(String target, AMQP.BasicProperties copy, Declare declare) {
        long tag = envelope.getDeliveryTag();
        String failure;
        Exception cause = null;
        try {
            declare.run();
            channel.basicPublish("", target, copy, body);
            if (channel.waitForConfirms(config.publishTimeout().toMillis())) {
                channel.basicAck(tag, false);
                return;
            }
            failure = "RabbitMQ nacked the copy sent to \"" + target + "\"";
        } catch (TimeoutException e) {
            failure = "RabbitMQ did not confirm the copy sent to \"" + target + "\" within "
                    + config.publishTimeout().toMillis() + " ms";
            cause = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted while waiting for RabbitMQ to confirm the copy sent to \"" + target + "\"";
            cause = e;
        } catch (IOException | RuntimeException e) {
            failure = "could not send the task to \"" + target + "\": " + Publisher.describe(e);
            cause = e;
        }
        try {
            if (channel.isOpen()) {
                channel.basicNack(tag, false, true);
            }
        } catch (IOException | RuntimeException ignored) {
            // the channel is gone: the broker returns the delivery to its queue anyway
        }
        throw new RefreshQueueException(failure + "; the task returns to queue \"" + queue + "\"", cause);
    }

    private Map<String, Object> copyHeaders() {
        return props.getHeaders() == null ? new HashMap<>() : new HashMap<>(props.getHeaders());
    }
}

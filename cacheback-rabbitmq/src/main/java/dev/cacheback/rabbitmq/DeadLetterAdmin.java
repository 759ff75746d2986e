package dev.cacheback.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cacheback.spi.DeadLetter;
import dev.cacheback.spi.MalformedTaskException;
import dev.cacheback.spi.QueueState;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The operator's side of a {@link RabbitRefreshQueue}: queue depths by passive declarations, dead letters
 * read from {@code <queue>.dead} with {@code basic.get} and no acknowledgement (so they return to the
 * queue, in their order, when the channel closes), and re-queued by publishing the task anew to its work
 * queue, waiting for the broker's confirm, and only then acknowledging the dead copy: a re-queue that
 * fails midway leaves the dead letter where it was, never loses it. Each call uses a short-lived
 * connection of its own (never the publishing or consuming ones), bounded by the connect and publish
 * timeouts. While a call reads a dead-letter queue, the messages it holds are invisible to another
 * reader. Thread-safe.
 */
final class DeadLetterAdmin {

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    private final Config config;
    private final Clock clock;

    DeadLetterAdmin(Config config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    private interface Operation<T> {
        T run(Connection connection) throws IOException, TimeoutException, InterruptedException;
    }

    private <T> T withConnection(String what, Operation<T> operation) {
        Connection connection = null;
        try {
            connection = config.newFactory(config.publishTimeout(), false).newConnection("cacheback-admin");
            return operation.run(connection);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RefreshQueueException("Interrupted while trying to " + what + " on RabbitMQ at " + config.description(), e);
        } catch (IOException | TimeoutException | RuntimeException e) {
            if (e instanceof RefreshQueueException r) {
                throw r;
            }
            throw new RefreshQueueException("Unable to " + what + " on RabbitMQ at " + config.description() + ": "
                    + Publisher.describe(e), e);
        } finally {
            if (connection != null) {
                connection.abort(Config.millis(config.connectTimeout()));   // returns every message not acknowledged
            }
        }
    }

    /** Ready messages in {@code queue}; 0 when it does not exist. */
    private static long count(Connection connection, String queue) throws IOException {
        Channel channel = connection.createChannel();
        try {
            return channel.queueDeclarePassive(queue).getMessageCount();
        } catch (IOException e) {
            if (notFound(e)) {
                return 0;
            }
            throw e;
        } finally {
            closeQuietly(channel);
        }
    }

    List<QueueState> state(List<String> queues, int running) {
        return withConnection("read the queues' state", connection -> {
            List<QueueState> states = new ArrayList<>();
            for (String queue : queues) {
                states.add(new QueueState(queue, count(connection, queue), QueueState.UNKNOWN, running,
                        count(connection, Topology.deadQueue(queue))));
            }
            return states;
        });
    }

    List<DeadLetter> list(List<String> queues, int limit) {
        return withConnection("list dead letters", connection -> {
            List<DeadLetter> all = new ArrayList<>();
            for (String queue : queues) {
                String dead = Topology.deadQueue(queue);
                long held = count(connection, dead);
                if (held == 0) {
                    continue;
                }
                Channel channel = connection.createChannel();
                try {
                    for (long i = 0; i < Math.min(held, limit); i++) {
                        GetResponse r = channel.basicGet(dead, false);
                        if (r == null) {
                            break;
                        }
                        all.add(deadLetter(queue, r));
                    }
                } finally {
                    closeQuietly(channel);   // every message read returns to the queue
                }
            }
            return all.stream().sorted(Comparator.comparing(d -> d.deadAt() == null ? Instant.MIN : d.deadAt()))
                    .limit(limit).toList();
        });
    }

    /** Re-queues the dead letter of {@code queue} whose id is {@code messageId}; false when none has it. */
    boolean requeue(String queue, String messageId) {
        return withConnection("re-queue dead letter " + queue + "/" + messageId,
                connection -> move(connection, queue, messageId) > 0);
    }

    int requeueAll(List<String> queues) {
        return withConnection("re-queue dead letters", connection -> {
            int moved = 0;
            for (String queue : queues) {
                moved += move(connection, queue, null);
            }
            return moved;
        });
    }

    /** Moves the dead letter with {@code messageId} (or, when {@code null}, every one held now) back to {@code queue}. */
    private int move(Connection connection, String queue, String messageId)
            throws IOException, TimeoutException, InterruptedException {
        String dead = Topology.deadQueue(queue);
        long held = count(connection, dead);
        if (held == 0) {
            return 0;
        }
        Channel channel = connection.createChannel();
        int moved = 0;
        try {
            channel.confirmSelect();
            Topology.declareWork(channel, queue);
            for (long i = 0; i < held; i++) {
                GetResponse r = channel.basicGet(dead, false);
                if (r == null) {
                    break;
                }
                if (messageId != null && !messageId.equals(idOf(r))) {
                    continue;   // returned to the queue when the channel closes
                }
                byte[] body = r.getBody();
                AMQP.BasicProperties props;
                try {
                    RefreshTask renewed = RefreshTask.fromBytes(body).renewed(clock.instant());
                    body = renewed.toBytes();
                    props = Publisher.properties(renewed, false, clock.millis());
                } catch (MalformedTaskException e) {
                    props = new AMQP.BasicProperties.Builder().deliveryMode(2).appId("cacheback").build();
                }
                channel.basicPublish("", queue, props, body);
                channel.waitForConfirmsOrDie(config.publishTimeout().toMillis());
                channel.basicAck(r.getEnvelope().getDeliveryTag(), false);
                moved++;
                log.info("Re-queued dead letter {}/{} from {} to {}", queue, idOf(r), dead, queue);
                if (messageId != null) {
                    break;
                }
            }
        } finally {
            closeQuietly(channel);
        }
        return moved;
    }

    private static DeadLetter deadLetter(String queue, GetResponse r) {
        Map<String, Object> headers = r.getProps().getHeaders() == null ? Map.of() : r.getProps().getHeaders();
        String job = null;
        String key = null;
        try {
            RefreshTask task = RefreshTask.fromBytes(r.getBody());
            job = task.jobName();
            key = task.key();
        } catch (MalformedTaskException e) {
            // listed with "?" for job and key
        }
        Instant at;
        try {
            at = headers.get(Topology.DEAD_AT) == null ? null : Instant.parse(String.valueOf(headers.get(Topology.DEAD_AT)));
        } catch (RuntimeException e) {
            at = null;
        }
        Object reason = headers.get(Topology.REASON);
        return new DeadLetter(queue + "/" + idOf(r), queue, job, key, reason == null ? "" : String.valueOf(reason),
                Topology.attempt(headers), at);
    }

    /**
     * A dead letter's id within its queue: its message id (set when this module dead-letters a task), or
     * for one dead-lettered otherwise, 16 hex digits of SHA-256 over its body and headers.
     */
    static String idOf(GetResponse r) {
        String id = r.getProps().getMessageId();
        if (id != null && !id.isEmpty() && id.indexOf('/') < 0) {
            return id;
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(r.getBody());
            sha.update(String.valueOf(r.getProps().getHeaders()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static boolean notFound(IOException e) {
        return e.getCause() instanceof ShutdownSignalException s && s.getReason() instanceof AMQP.Channel.Close close
                && close.getReplyCode() == AMQP.NOT_FOUND;
    }

    private static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException ignored) {
            // the connection is aborted after the call anyway
        }
    }
}

package dev.cacheback.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoverableConnection;
import com.rabbitmq.client.RecoveryListener;
import dev.cacheback.internal.LogText;
import dev.cacheback.spi.AbstractBackplane;
import dev.cacheback.spi.CacheBackendException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A {@linkplain dev.cacheback.spi.Backplane backplane} on a RabbitMQ fanout exchange, for near caches
 * ({@link dev.cacheback.spi.CacheBackend#tiered}) in deployments without Redis:
 * <pre>{@code
 * Backplane backplane = RabbitBackplane.builder("amqp://guest:guest@broker-1:5672")
 *         .exchange("shop.near")                     // default "cacheback.near": one per group of processes sharing a cache
 *         .heartbeatInterval(Duration.ofMillis(500)) // default 500 ms
 *         .build();
 * }</pre>
 *
 * <p>How it works: each process declares a queue of its own ({@code <exchange>.<origin>}, exclusive,
 * deleted with its connection) bound to the fanout exchange (not durable, deleted with its last binding), and consumes it with automatic
 * acknowledgement; invalidations are published to the exchange, in order, by the backplane's own thread
 * (no confirms: delivery is at most once, the heartbeat is what proves it). Every heartbeat interval the
 * process publishes a heartbeat straight to its own queue: its return proves the subscription. The
 * client recovers the connection, the queue, its binding and the consumer by itself (every
 * {@link Builder#reconnectInterval}, default 1 s); each recovery makes the near caches drop their copies.
 *
 * <p>Threads: the AMQP client's (daemon), and one daemon thread of its own for publishing, heartbeats and
 * the first connection attempts, all stopped by {@link #close()}. Thread-safe. One instance per runtime.
 */
public final class RabbitBackplane extends AbstractBackplane {

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    private final ConnectionFactory factory;
    private final String exchange;
    private final String description;
    private volatile String queue;
    private volatile Connection connection;
    /** Used only on the backplane's own thread. */
    private Channel publishing;
    private volatile ScheduledThreadPoolExecutor scheduler;
    private volatile boolean closed;

    private RabbitBackplane(Builder b, AmqpAddress address) {
        super(b.heartbeatInterval != null ? b.heartbeatInterval : Duration.ofMillis(500));
        this.exchange = b.exchange != null ? b.exchange : "cacheback.near";
        Duration connectTimeout = b.connectTimeout != null ? b.connectTimeout : Duration.ofSeconds(2);
        Duration reconnect = b.reconnectInterval != null ? b.reconnectInterval : Duration.ofSeconds(1);
        ConnectionFactory f = address.factory().clone();
        f.setConnectionTimeout(Config.millis(connectTimeout));
        f.setHandshakeTimeout(Config.millis(connectTimeout));
        f.setShutdownTimeout(Config.millis(connectTimeout));
        f.setChannelRpcTimeout(Config.millis(connectTimeout));
        f.setRequestedHeartbeat(10);
        f.setAutomaticRecoveryEnabled(true);
        f.setTopologyRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(reconnect.toMillis());
        f.setThreadFactory(Worker.daemon("cacheback-amqp-backplane"));
        this.factory = f;
        this.description = "rabbit-backplane " + address.description() + " exchange " + LogText.escape(exchange);
    }

    /**
     * A builder for a backplane on the broker at {@code uri} ({@code amqp://user:password@host:port/vhost},
     * {@code amqps://} for TLS with the JVM's default trust).
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    protected synchronized void start() {
        if (closed) {
            throw new IllegalStateException("The backplane " + description + " is closed");
        }
        this.queue = exchange + "." + origin();
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cacheback-rabbit-backplane");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        this.scheduler = s;
        s.scheduleWithFixedDelay(this::tick, 0, Math.max(1, heartbeatInterval().toMillis()), TimeUnit.MILLISECONDS);
    }

    /** On the backplane's thread: connects if there is no connection yet, then sends a heartbeat. */
    private void tick() {
        if (closed) {
            return;
        }
        if (connection == null) {
            connect();
        }
        heartbeat();
    }

    private void connect() {
        long since = now();
        Connection c = null;
        try {
            c = factory.newConnection("cacheback-backplane");
            Channel consuming = c.createChannel();
            consuming.exchangeDeclare(exchange, BuiltinExchangeType.FANOUT, false, true, Map.of()); // gone with the last process
            consuming.queueDeclare(queue, false, true, true, Map.of());
            consuming.queueBind(queue, exchange, "");
            consuming.basicConsume(queue, true, new DefaultConsumer(consuming) {
                @Override
                public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                    received(body);
                }
            });
            publishing = c.createChannel();
            c.addShutdownListener(cause -> {
                if (!closed && !cause.isInitiatedByApplication()) {
                    disconnected(cause);
                }
            });
            if (c instanceof RecoverableConnection recoverable) {
                recoverable.addRecoveryListener(new RecoveryListener() {
                    private volatile long recoveryStarted;

                    @Override
                    public void handleRecoveryStarted(Recoverable r) {
                        recoveryStarted = now();
                    }

                    @Override
                    public void handleRecovery(Recoverable r) {
                        subscribed(recoveryStarted);
                    }
                });
            }
            connection = c;
            subscribed(since);
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            log.debug("Backplane {} cannot connect yet: {}", description, e.toString());
            if (c != null) {
                try {
                    c.abort(1000);
                } catch (RuntimeException ignored) {
                    // giving up on this attempt
                }
            }
        }
    }

    @Override
    protected CompletionStage<Void> send(byte[] message) {
        return publish(exchange, "", message);
    }

    @Override
    protected CompletionStage<Void> sendToSelf(byte[] message) {
        return publish("", queue, message);
    }

    /** Publishes on the backplane's own thread, in order: the caller never waits for the broker. */
    private CompletionStage<Void> publish(String toExchange, String routingKey, byte[] message) {
        ScheduledThreadPoolExecutor s = scheduler;
        if (s == null || closed) {
            return CompletableFuture.failedFuture(new CacheBackendException("The backplane " + description
                    + (closed ? " is closed" : " is not subscribed yet")));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            s.execute(() -> {
                try {
                    Channel ch = publishing;
                    Connection c = connection;
                    if ((ch == null || !ch.isOpen()) && c != null && c.isOpen()) {
                        ch = c.createChannel(); // the broker closed the last one (an error reply)
                        publishing = ch;
                    }
                    if (ch == null || !ch.isOpen()) {
                        done.completeExceptionally(new CacheBackendException("The backplane " + description + " is not connected"));
                        return;
                    }
                    ch.basicPublish(toExchange, routingKey, null, message);
                    done.complete(null);
                } catch (IOException | RuntimeException e) {
                    done.completeExceptionally(new CacheBackendException("Backplane " + description + " could not publish: "
                            + e.getMessage(), e));
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new CacheBackendException("The backplane " + description + " is closed", e));
        }
        return done;
    }

    @Override
    public boolean connected() {
        Connection c = connection;
        return super.connected() && c != null && c.isOpen();
    }

    /** Opens and closes a channel on the backplane's connection: one round trip to the broker. */
    @Override
    public void ping() {
        Connection c = connection;
        if (c == null || !c.isOpen()) {
            throw new CacheBackendException("The backplane " + description + " is not connected");
        }
        try {
            Channel ch = c.createChannel();
            ch.close();
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            throw new CacheBackendException("Backplane " + description + " does not answer: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ScheduledThreadPoolExecutor s = scheduler;
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Connection c = connection;
        if (c != null) {
            try {
                c.close(2000);
            } catch (IOException | RuntimeException e) {
                c.abort(1000);
            }
        }
    }

    /** Builds a {@link RabbitBackplane}. Setting an option twice is an error. Not thread-safe. */
    public static final class Builder {
        private final String uri;
        private String exchange;
        private Duration heartbeatInterval;
        private Duration connectTimeout;
        private Duration reconnectInterval;

        private Builder(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /** The fanout exchange every process of one group publishes to. Default {@code "cacheback.near"}. */
        public Builder exchange(String exchange) {
            requireUnset(this.exchange, "exchange");
            Objects.requireNonNull(exchange, "exchange");
            if (exchange.isBlank()) {
                throw new IllegalArgumentException("exchange must not be blank");
            }
            this.exchange = exchange;
            return this;
        }

        /**
         * How often this process proves its subscription with a heartbeat. Default 500 ms. A near cache
         * refuses a heartbeat longer than half its {@code maxDisconnectedStaleness}.
         */
        public Builder heartbeatInterval(Duration interval) {
            requireUnset(this.heartbeatInterval, "heartbeatInterval");
            this.heartbeatInterval = requirePositive(interval, "heartbeatInterval");
            return this;
        }

        /** How long connecting (and each channel operation) waits at most. Default 2 s. */
        public Builder connectTimeout(Duration timeout) {
            requireUnset(this.connectTimeout, "connectTimeout");
            this.connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /** How long the client waits between reconnection attempts. Default 1 s. */
        public Builder reconnectInterval(Duration interval) {
            requireUnset(this.reconnectInterval, "reconnectInterval");
            this.reconnectInterval = requirePositive(interval, "reconnectInterval");
            return this;
        }

        /**
         * @throws IllegalArgumentException for a malformed URI, never quoting its password
         */
        public RabbitBackplane build() {
            return new RabbitBackplane(this, AmqpAddress.of(uri, null, "The RabbitMQ backplane"));
        }

        private static void requireUnset(Object current, String option) {
            if (current != null) {
                throw new IllegalStateException(option + " was already set to " + current);
            }
        }

        private static Duration requirePositive(Duration value, String option) {
            Objects.requireNonNull(value, option);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(option + " must be positive, not " + value);
            }
            return value;
        }
    }
}

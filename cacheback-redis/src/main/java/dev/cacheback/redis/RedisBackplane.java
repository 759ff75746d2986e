package dev.cacheback.redis;

import dev.cacheback.internal.LogText;
import dev.cacheback.spi.AbstractBackplane;
import dev.cacheback.spi.CacheBackendException;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@linkplain dev.cacheback.spi.Backplane backplane} on Redis pub/sub, for near caches
 * ({@link dev.cacheback.spi.CacheBackend#tiered}):
 * <pre>{@code
 * Backplane backplane = RedisBackplane.builder("redis://cache-1:6379")
 *         .channel("shop:near")                      // default "cacheback:near": one per group of processes sharing a cache
 *         .heartbeatInterval(Duration.ofMillis(500)) // default 500 ms
 *         .build();
 * }</pre>
 *
 * <p>How it works: one publish/subscribe connection subscribes to the channel and to a channel of this
 * process's own ({@code <channel>:<origin>}); invalidations are {@code PUBLISH}ed, in order, by the
 * backplane's own thread on a second connection (each bounded by the command timeout, failing fast after
 * a timeout until a probe answers, like the cache), so neither reads nor writes wait for the backplane.
 * Every heartbeat interval the process publishes a heartbeat to its own channel: Redis delivers it after
 * every message it received before, so its return proves the subscription up to its send time. Lettuce
 * reconnects and subscribes again by itself (at most 2 s apart); each new subscription makes the near
 * caches drop their copies. Standalone Redis only.
 *
 * <p>Threads: Lettuce's, and one daemon thread of its own for heartbeats (and the first connection
 * attempts), all stopped by {@link #close()}. Thread-safe. One instance per runtime.
 */
public final class RedisBackplane extends AbstractBackplane {

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    private final String uri;
    private final String channel;
    private final byte[] channelBytes;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final String description;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile byte[] selfChannel;
    private volatile RedisConnector connector;
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> pubSub;
    private volatile ScheduledThreadPoolExecutor scheduler;
    private volatile boolean closed;

    private RedisBackplane(Builder b) {
        super(b.heartbeatInterval != null ? b.heartbeatInterval : Duration.ofMillis(500));
        this.uri = b.uri;
        this.channel = b.channel != null ? b.channel : "cacheback:near";
        this.channelBytes = channel.getBytes(StandardCharsets.UTF_8);
        this.commandTimeout = b.commandTimeout != null ? b.commandTimeout : Duration.ofSeconds(1);
        this.connectTimeout = b.connectTimeout != null ? b.connectTimeout : Duration.ofSeconds(2);
        this.description = "redis-backplane " + RedisConnector.describe(RedisConnector.parse(uri), false)
                + " channel " + LogText.escape(channel);
    }

    /**
     * A builder for a backplane on the Redis at {@code uri} ({@code redis://[user:password@]host[:port][/db]},
     * {@code rediss://} for TLS).
     *
     * @throws IllegalArgumentException (from {@link Builder#build()}) for a malformed URI, never quoting its password
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    protected synchronized void start() {
        if (closed) {
            throw new IllegalStateException("The backplane " + description + " is closed");
        }
        this.selfChannel = (channel + ":" + origin()).getBytes(StandardCharsets.UTF_8);
        this.connector = new RedisConnector(uri, false, commandTimeout, connectTimeout, clock(), Duration.ofSeconds(1),
                "Redis backplane");
        connector.start(connectTimeout);
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cacheback-redis-backplane");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        this.scheduler = s;
        long every = Math.max(1, heartbeatInterval().toMillis());
        s.scheduleWithFixedDelay(this::tick, 0, every, TimeUnit.MILLISECONDS);
    }

    /** Connects the subscription if it is not made yet, then sends a heartbeat. */
    private void tick() {
        if (closed) {
            return;
        }
        if (pubSub == null) {
            connect();
        }
        heartbeat();
    }

    private void connect() {
        if (!connecting.compareAndSet(false, true)) {
            return;
        }
        long since = now();
        connector.pubSubAsync().whenComplete((c, failure) -> {
            if (failure != null) {
                connecting.set(false);
                disconnected(failure);
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            c.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] from, byte[] message) {
                    received(message);
                }

                @Override
                public void subscribed(byte[] to, long count) {
                    if (Arrays.equals(to, selfChannel)) {
                        RedisBackplane.this.subscribed(now());
                    }
                }
            });
            c.addListener(new RedisConnectionStateListener() {
                @Override
                public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                    if (!closed) {
                        disconnected(null);
                    }
                }
            });
            pubSub = c;
            c.async().subscribe(channelBytes, selfChannel).whenComplete((ok, e) -> {
                if (e != null) {
                    log.warn("Backplane {} could not subscribe ({}); Lettuce tries again when it reconnects", description,
                            LogText.escape(e.toString()));
                }
            });
            log.debug("Backplane {} connected (asked at {})", description, since);
        });
    }

    @Override
    protected CompletionStage<Void> send(byte[] message) {
        return publishTo(channelBytes, message);
    }

    @Override
    protected CompletionStage<Void> sendToSelf(byte[] message) {
        return publishTo(selfChannel, message);
    }

    /** Publishes on the backplane's own thread, in order: the caller (a read, a write) never waits for Redis. */
    private CompletionStage<Void> publishTo(byte[] to, byte[] message) {
        RedisConnector c = connector;
        ScheduledThreadPoolExecutor s = scheduler;
        if (c == null || s == null || closed) {
            return CompletableFuture.failedFuture(new CacheBackendException("The backplane " + description
                    + (closed ? " is closed" : " is not subscribed yet")));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            s.execute(() -> {
                try {
                    c.call(r -> r.publish(to, message));
                    done.complete(null);
                } catch (RuntimeException e) {
                    done.completeExceptionally(new CacheBackendException("Backplane " + description
                            + " could not publish: " + e.getMessage(), e));
                }
            });
        } catch (RejectedExecutionException e) {
            done.completeExceptionally(new CacheBackendException("The backplane " + description + " is closed", e));
        }
        return done;
    }

    @Override
    public boolean connected() {
        StatefulRedisPubSubConnection<byte[], byte[]> c = pubSub;
        return super.connected() && c != null && c.isOpen();
    }

    @Override
    public void ping() {
        RedisConnector c = connector;
        if (c == null) {
            throw new CacheBackendException("The backplane " + description + " is not subscribed yet");
        }
        try {
            c.call(r -> r.ping());
        } catch (RuntimeException e) {
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
        StatefulRedisPubSubConnection<byte[], byte[]> c = pubSub;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        RedisConnector rc = connector;
        if (rc != null) {
            rc.close();
        }
    }

    /** Builds a {@link RedisBackplane}. Setting an option twice is an error. Not thread-safe. */
    public static final class Builder {
        private final String uri;
        private String channel;
        private Duration heartbeatInterval;
        private Duration commandTimeout;
        private Duration connectTimeout;

        private Builder(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /**
         * The channel every process of one group publishes to and subscribes to. Default
         * {@code "cacheback:near"}; give processes that share one Redis but not one cache different channels.
         */
        public Builder channel(String channel) {
            requireUnset(this.channel, "channel");
            Objects.requireNonNull(channel, "channel");
            if (channel.isBlank()) {
                throw new IllegalArgumentException("channel must not be blank");
            }
            this.channel = channel;
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

        /** How long a {@code PUBLISH} waits at most. Default 1 s. */
        public Builder commandTimeout(Duration timeout) {
            requireUnset(this.commandTimeout, "commandTimeout");
            this.commandTimeout = requirePositive(timeout, "commandTimeout");
            return this;
        }

        /** How long a connection attempt waits at most. Default 2 s. */
        public Builder connectTimeout(Duration timeout) {
            requireUnset(this.connectTimeout, "connectTimeout");
            this.connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /**
         * @throws IllegalArgumentException for a malformed URI, never quoting its password
         */
        public RedisBackplane build() {
            RedisConnector.parse(uri);
            return new RedisBackplane(this);
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

package dev.cacheback.redis;

import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.BytesCacheBackend;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.spi.CorruptEntryException;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A cache backend on Redis (standalone, or Redis Cluster), through Lettuce.
 * <pre>{@code
 * CacheBackend redis = RedisCacheBackend.builder("redis://:secret@cache-1:6379/2")
 *         .keyPrefix("shop:")                    // default: none
 *         .commandTimeout(Duration.ofMillis(500)) // default: 1 s
 *         .build();
 * Cacheback cacheback = Cacheback.builder().cache("default", redis).build();
 * }</pre>
 *
 * <p>How it stores: an entry is one Redis string at {@code keyPrefix + key}, written with
 * {@code SET … PX cacheTtl} (value and time to live in one atomic command); {@link #getAll} is one
 * {@code MGET} (on a cluster, Lettuce splits it per slot and sends the parts together); the refresh
 * lease is {@code SET keyPrefix + key + ":lease" 1 NX PX refreshTimeout}, which makes one refresh per
 * key per refresh timeout hold across every process sharing the Redis.
 *
 * <p>Failure: the backend holds one shared connection, made when the runtime opens it (opening waits
 * up to the connect timeout for it, and goes on without it if Redis is down). While Redis
 * cannot be reached every operation fails at once with a {@link CacheBackendException} (commands are
 * rejected, never queued until Redis returns), and an operation on a Redis that stopped answering
 * fails after the command timeout; the engine then answers callers by fetching. The client reconnects
 * by itself. A key holding another Redis type (a list, a hash…) reads as a
 * {@link CorruptEntryException}, which the engine treats as a miss and overwrites.
 *
 * <p>Thread-safe. Arguments must not be {@code null}. {@link #close()} closes the connection and the
 * client's threads.
 */
public final class RedisCacheBackend extends BytesCacheBackend {

    /** The suffix of a key's lease key (6 bytes, within the 10 a backend may append). */
    static final String LEASE_SUFFIX = ":lease";
    private static final byte[] LEASE_VALUE = {'1'};
    /** Redis's largest string value (proto-max-bulk-len's default). */
    private static final long MAX_VALUE_BYTES = 512L * 1024 * 1024;

    private final String uri;
    private final boolean cluster;
    private final String keyPrefix;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final String description;
    private volatile RedisConnector connector;
    private volatile boolean closed;

    private RedisCacheBackend(Builder b) {
        this.uri = b.uri;
        this.cluster = b.cluster != null && b.cluster;
        this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : "";
        this.commandTimeout = b.commandTimeout != null ? b.commandTimeout : Builder.DEFAULT_COMMAND_TIMEOUT;
        this.connectTimeout = b.connectTimeout != null ? b.connectTimeout : Builder.DEFAULT_CONNECT_TIMEOUT;
        String base = RedisConnector.describe(RedisConnector.parse(uri), cluster);
        this.description = keyPrefix.isEmpty() ? base : base + " (key prefix \"" + keyPrefix + "\")";
    }

    /**
     * A builder for a backend on the Redis at {@code uri}: {@code redis://[:password@]host[:port][/database]},
     * {@code redis://user:password@…} (ACL), or {@code rediss://…} for TLS. With {@link Builder#cluster()},
     * the URI names one node of a Redis Cluster (the client discovers the others).
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    public synchronized void open(BackendContext context) {
        Objects.requireNonNull(context, "context");
        if (connector != null || closed) {
            throw new IllegalStateException("This Redis backend (" + describe() + ") is already opened by a runtime; "
                    + "build one backend per runtime");
        }
        RedisConnector c = new RedisConnector(uri, cluster, commandTimeout, connectTimeout);
        connector = c;
        c.start(connectTimeout);
    }

    @Override
    protected byte[] getBytes(String key) {
        return call("GET", key, r -> {
            try {
                return r.get(redisKey(key));
            } catch (RedisCommandExecutionException e) {
                if (String.valueOf(e.getMessage()).startsWith("WRONGTYPE")) {
                    throw new CorruptEntryException(key, e);
                }
                throw e;
            }
        });
    }

    @Override
    protected Map<String, byte[]> getAllBytes(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        List<String> ordered = new ArrayList<>(keys);
        byte[][] redisKeys = new byte[ordered.size()][];
        for (int i = 0; i < redisKeys.length; i++) {
            redisKeys[i] = redisKey(ordered.get(i));
        }
        List<KeyValue<byte[], byte[]>> values = call("MGET", ordered.size() + " keys", r -> r.mget(redisKeys));
        Map<String, byte[]> found = new LinkedHashMap<>(values.size() * 2);
        for (int i = 0; i < values.size() && i < ordered.size(); i++) {
            KeyValue<byte[], byte[]> kv = values.get(i);
            if (kv.hasValue()) {
                found.put(ordered.get(i), kv.getValue());
            }
        }
        return found;
    }

    @Override
    protected void setBytes(String key, byte[] value, Duration ttl) {
        call("SET", key, r -> r.set(redisKey(key), value, SetArgs.Builder.px(positiveMillis(ttl))));
    }

    @Override
    public void delete(String key) {
        call("DEL", key, r -> r.del(redisKey(key)));
    }

    @Override
    public boolean tryLease(String key, Duration ttl) {
        String reply = call("SET NX", key + LEASE_SUFFIX,
                r -> r.set(redisKey(key + LEASE_SUFFIX), LEASE_VALUE, SetArgs.Builder.nx().px(positiveMillis(ttl))));
        return "OK".equals(reply);
    }

    @Override
    public void releaseLease(String key) {
        call("DEL", key + LEASE_SUFFIX, r -> r.del(redisKey(key + LEASE_SUFFIX)));
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public long maxEntryBytes() {
        return MAX_VALUE_BYTES;
    }

    /** The key prefix; empty when none. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** How long one command may take before it fails. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** Closes the connection and the client's threads. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RedisConnector c = connector;
        if (c != null) {
            c.close();
        }
    }

    private byte[] redisKey(String key) {
        return (keyPrefix + key).getBytes(StandardCharsets.UTF_8);
    }

    private static long positiveMillis(Duration ttl) {
        return Math.max(1, ttl.toMillis());
    }

    private <T> T call(String operation, String key, Function<RedisClusterCommands<byte[], byte[]>, T> command) {
        RedisConnector c = connector;
        if (c == null) {
            throw new IllegalStateException("This Redis backend is not opened: give it to Cacheback.builder().cache(…)");
        }
        if (closed) {
            throw new CacheBackendException("The Redis backend " + describe() + " is closed");
        }
        try {
            return command.apply(c.commands());
        } catch (CacheBackendException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CacheBackendException("Redis " + c.description() + " failed on " + operation + " " + keyPrefix + key
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds a {@link RedisCacheBackend}. {@link #build()} copies what it was given; setting an option
     * twice is an error. Not thread-safe.
     */
    public static final class Builder {
        static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(1);
        static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);

        private final String uri;
        private Boolean cluster;
        private String keyPrefix;
        private Duration commandTimeout;
        private Duration connectTimeout;

        private Builder(String uri) {
            RedisConnector.parse(uri);
            this.uri = uri;
        }

        /** Treats the URI as one node of a Redis Cluster. Default: a standalone Redis. */
        public Builder cluster() {
            requireUnset(cluster, "cluster");
            this.cluster = true;
            return this;
        }

        /**
         * Put before every key (and lease key), to share one Redis database between applications.
         * Default: none.
         */
        public Builder keyPrefix(String keyPrefix) {
            requireUnset(this.keyPrefix, "keyPrefix");
            this.keyPrefix = Objects.requireNonNull(keyPrefix, "keyPrefix");
            return this;
        }

        /**
         * The longest a caller waits for one command before it fails (and the engine answers by
         * fetching). Default 1 second: far above a healthy Redis's latency, short enough that a Redis
         * that stopped answering costs a caller about a second, not a hang.
         */
        public Builder commandTimeout(Duration timeout) {
            requireUnset(this.commandTimeout, "commandTimeout");
            this.commandTimeout = requirePositive(timeout, "commandTimeout");
            return this;
        }

        /** The longest one connection attempt takes. Default 2 seconds. */
        public Builder connectTimeout(Duration timeout) {
            requireUnset(this.connectTimeout, "connectTimeout");
            this.connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /** A backend with these settings; it connects when a runtime opens it. */
        public RedisCacheBackend build() {
            return new RedisCacheBackend(this);
        }
    }

    static void requireUnset(Object current, String option) {
        if (current != null) {
            throw new IllegalStateException(option + " was already set");
        }
    }

    static Duration requirePositive(Duration value, String option) {
        Objects.requireNonNull(value, option);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, not " + value);
        }
        return value;
    }

    /**
     * Sends {@code PING} through the shared connection, waiting at most the command timeout (default
     * 1 s); returns when Redis answers {@code PONG}. Thread-safe.
     *
     * @throws CacheBackendException when Redis does not answer in time, the connection is not made (yet),
     *         or this backend is closed
     * @throws IllegalStateException when no runtime opened this backend
     */
    @Override
    public void ping() {
        RedisConnector c = connector;
        if (c == null) {
            throw new IllegalStateException("This Redis backend is not opened: give it to Cacheback.builder().cache(…)");
        }
        if (closed) {
            throw new CacheBackendException("The Redis backend " + describe() + " is closed");
        }
        String reply;
        try {
            reply = c.commands().ping();
        } catch (RuntimeException e) {
            throw new CacheBackendException("Redis " + c.description() + " did not answer PING within " + commandTimeout
                    + ": " + e.getMessage(), e);
        }
        if (!"PONG".equals(reply)) {
            throw new CacheBackendException("Redis " + c.description() + " answered PING with " + reply + ", not PONG");
        }
    }
}

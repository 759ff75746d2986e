package dev.cacheback.redis;

import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.BytesCacheBackend;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.spi.CorruptEntryException;
import dev.cacheback.spi.EntryFormat;
import dev.cacheback.spi.Leases;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
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
 *         .probeInterval(Duration.ofSeconds(2))   // default: 1 s
 *         .build();
 * Cacheback cacheback = Cacheback.builder().cache("default", redis).build();
 * }</pre>
 *
 * <p>How it stores: an entry is one Redis string at {@code keyPrefix + key}, written with
 * {@code SET … PX cacheTtl} (value and time to live in one atomic command); {@link #getAll} is one
 * {@code MGET} (on a cluster, Lettuce splits it per slot and sends the parts together).
 *
 * <p>Leases and fencing (DESIGN.md F1, F2), each one key so they work on Redis Cluster too:
 * <ul>
 *   <li>{@link #tryLease}: {@code SET keyPrefix + key + ":lease" <token> NX PX refreshTimeout} with a
 *       new random token, which makes one refresh per key per refresh timeout hold across every process
 *       sharing the Redis;</li>
 *   <li>{@link #releaseLease} / {@link #extendLease}: a Lua script that deletes / {@code PEXPIRE}s the
 *       lease key only if it still holds the caller's token;</li>
 *   <li>{@link #setIfVersion}: a Lua script that reads the entry, takes its version (bytes 17–24 of a
 *       format-2 entry of at least 24 bytes starting with {@code CB}; anything else, or no entry, is
 *       "no entry"), and writes the new entry with {@code SET … PX cacheTtl} only if that version is the
 *       one expected.</li>
 * </ul>
 * Scripts run by {@code EVALSHA}; the text is sent ({@code EVAL}) only when a server answers
 * {@code NOSCRIPT}.
 *
 * <p>Failure (DESIGN.md F5, F6): the backend holds one shared connection, made when the runtime opens
 * it (opening waits up to the connect timeout for it, and goes on without it if Redis is down). Every
 * command waits at most {@link Builder#commandTimeout}; after one command timed out or the connection
 * failed, every operation fails at once with a {@link CacheBackendException} until a probe (one
 * operation every {@link Builder#probeInterval}) is answered, so a Redis that stops answering costs a
 * caller at most one command timeout. While Redis cannot be reached, commands are rejected at once
 * (never queued until Redis returns); the engine then answers callers by fetching. The client
 * reconnects by itself, at most 2 s apart. A key holding another Redis type (a list, a hash…) reads as
 * a {@link CorruptEntryException}, which the engine treats as a miss and overwrites.
 *
 * <p>Thread-safe. Arguments must not be {@code null}. {@link #close()} closes the connection and the
 * client's threads.
 */
public final class RedisCacheBackend extends BytesCacheBackend {

    /** The suffix of a key's lease key (6 bytes, within the 10 a backend may append). */
    static final String LEASE_SUFFIX = ":lease";

    /** Deletes the lease key if it holds the token: KEYS[1] lease key, ARGV[1] token. */
    static final RedisConnector.Script RELEASE = RedisConnector.Script.of(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end");

    /** Sets the lease key's time to live if it holds the token: KEYS[1] lease key, ARGV[1] token, ARGV[2] ms. */
    static final RedisConnector.Script EXTEND = RedisConnector.Script.of(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end");

    /**
     * Stores the entry if the version there is the one expected: KEYS[1] the key, ARGV[1] the expected
     * version's 8 bytes (all zero: no entry), ARGV[2] the new entry, ARGV[3] its time to live in ms.
     * A value that is not a string, shorter than its header (24 bytes in format 2, 32 in format 3), not
     * starting with 'C' 'B' or not of format 2 or 3 has version 0 (no entry).
     */
    static final RedisConnector.Script SET_IF_VERSION = RedisConnector.Script.of("""
            local ok, value = pcall(redis.call, 'GET', KEYS[1])
            local version = '\0\0\0\0\0\0\0\0'
            if ok and value and string.len(value) >= 24 and string.sub(value, 1, 2) == 'CB'
                    and (string.byte(value, 3) == 2 or (string.byte(value, 3) == 3 and string.len(value) >= 32)) then
                version = string.sub(value, 17, 24)
            end
            if version ~= ARGV[1] then
                return 0
            end
            redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
            return 1
            """);
    /**
     * Takes the lease and stores the entry if the version there is the one expected, in one step (a
     * stale read's mark): KEYS[1] the key, KEYS[2] its lease key, ARGV[1] the token, ARGV[2] the
     * lease's time to live in ms, ARGV[3] the expected version's 8 bytes, ARGV[4] the new entry,
     * ARGV[5] its time to live in ms. Returns 1 when both happened, 0 when the lease is held, -1 when
     * the version differed (the lease is then deleted again). Standalone Redis only: on a cluster the
     * two keys may live in different slots.
     */
    static final RedisConnector.Script LEASE_AND_SET_IF_VERSION = RedisConnector.Script.of("""
            if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
                return 0
            end
            local ok, value = pcall(redis.call, 'GET', KEYS[1])
            local version = '\0\0\0\0\0\0\0\0'
            if ok and value and string.len(value) >= 24 and string.sub(value, 1, 2) == 'CB'
                    and (string.byte(value, 3) == 2 or (string.byte(value, 3) == 3 and string.len(value) >= 32)) then
                version = string.sub(value, 17, 24)
            end
            if version ~= ARGV[3] then
                redis.call('DEL', KEYS[2])
                return -1
            end
            redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
            return 1
            """);

    /** Redis's largest string value (proto-max-bulk-len's default). */
    private static final long MAX_VALUE_BYTES = 512L * 1024 * 1024;

    private final String uri;
    private final boolean cluster;
    private final String keyPrefix;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Duration probeInterval;
    private final String description;
    private volatile RedisConnector connector;
    private volatile boolean closed;

    private RedisCacheBackend(Builder b) {
        this.uri = b.uri;
        this.cluster = b.cluster != null && b.cluster;
        this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : "";
        this.commandTimeout = b.commandTimeout != null ? b.commandTimeout : Builder.DEFAULT_COMMAND_TIMEOUT;
        this.connectTimeout = b.connectTimeout != null ? b.connectTimeout : Builder.DEFAULT_CONNECT_TIMEOUT;
        this.probeInterval = b.probeInterval != null ? b.probeInterval : Builder.DEFAULT_PROBE_INTERVAL;
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
        RedisConnector c = new RedisConnector(uri, cluster, commandTimeout, connectTimeout, context.clock(), probeInterval,
                "Redis cache");
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
    protected boolean setBytesIfVersion(String key, long expectedVersion, byte[] value, Duration ttl) {
        byte[][] keys = {redisKey(key)};
        Long stored = call("EVALSHA set-if-version", key, r -> RedisConnector.eval(r, SET_IF_VERSION,
                ScriptOutputType.INTEGER, keys, EntryFormat.versionBytes(expectedVersion), value, millis(ttl)));
        return stored != null && stored == 1L;
    }

    /** One script on standalone Redis (one round trip for a stale read's mark); two calls on a cluster. */
    @Override
    protected String tryLeaseAndSetBytesIfVersion(String key, Duration leaseTtl, long expectedVersion, byte[] value,
                                                  Duration ttl) {
        if (cluster) {
            return super.tryLeaseAndSetBytesIfVersion(key, leaseTtl, expectedVersion, value, ttl);
        }
        String token = Leases.newToken();
        byte[][] keys = {redisKey(key), redisKey(key + LEASE_SUFFIX)};
        Long result = call("EVALSHA lease-and-set-if-version", key, r -> RedisConnector.eval(r, LEASE_AND_SET_IF_VERSION,
                ScriptOutputType.INTEGER, keys, token.getBytes(StandardCharsets.US_ASCII), millis(leaseTtl),
                EntryFormat.versionBytes(expectedVersion), value, millis(ttl)));
        return result != null && result == 1L ? token : null;
    }

    @Override
    public String tryLease(String key, Duration ttl) {
        String token = Leases.newToken();
        String reply = call("SET NX", key + LEASE_SUFFIX, r -> r.set(redisKey(key + LEASE_SUFFIX),
                token.getBytes(StandardCharsets.US_ASCII), SetArgs.Builder.nx().px(positiveMillis(ttl))));
        return "OK".equals(reply) ? token : null;
    }

    @Override
    public boolean releaseLease(String key, String token) {
        Objects.requireNonNull(token, "token");
        byte[][] keys = {redisKey(key + LEASE_SUFFIX)};
        Long deleted = call("EVALSHA release-lease", key + LEASE_SUFFIX, r -> RedisConnector.eval(r, RELEASE,
                ScriptOutputType.INTEGER, keys, token.getBytes(StandardCharsets.US_ASCII)));
        return deleted != null && deleted == 1L;
    }

    @Override
    public boolean extendLease(String key, String token, Duration ttl) {
        Objects.requireNonNull(token, "token");
        byte[][] keys = {redisKey(key + LEASE_SUFFIX)};
        Long extended = call("EVALSHA extend-lease", key + LEASE_SUFFIX, r -> RedisConnector.eval(r, EXTEND,
                ScriptOutputType.INTEGER, keys, token.getBytes(StandardCharsets.US_ASCII), millis(ttl)));
        return extended != null && extended == 1L;
    }

    /** {@code true}: every process configured with the same Redis shares this store. */
    @Override
    public boolean shared() {
        return true;
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

    private static byte[] millis(Duration ttl) {
        return Long.toString(positiveMillis(ttl)).getBytes(StandardCharsets.US_ASCII);
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
            return c.call(command);
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
        static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);

        private final String uri;
        private Boolean cluster;
        private String keyPrefix;
        private Duration commandTimeout;
        private Duration connectTimeout;
        private Duration probeInterval;

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

        /**
         * After a command timed out or the connection failed, how long operations fail at once before
         * one is let through as a probe (and, if answered, all go through again). Default 1 second.
         */
        public Builder probeInterval(Duration interval) {
            requireUnset(this.probeInterval, "probeInterval");
            this.probeInterval = requirePositive(interval, "probeInterval");
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

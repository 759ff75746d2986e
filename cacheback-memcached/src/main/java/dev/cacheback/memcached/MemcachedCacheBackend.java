package dev.cacheback.memcached;

import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.BytesCacheBackend;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.spi.EntryTooLargeException;
import dev.cacheback.spi.Keys;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.MemcachedSessionLocator;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.exception.MemcachedServerException;
import net.rubyeye.xmemcached.impl.KetamaMemcachedSessionLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A cache on one or several memcached servers, through xmemcached's text protocol.
 * <pre>{@code
 * Cacheback cacheback = Cacheback.builder()
 *         .cache("default", MemcachedCacheBackend.builder("cache-1:11211 cache-2:11211").build())
 *         .build();
 * }</pre>
 *
 * <p><b>Several servers.</b> Keys are spread over the servers by consistent hashing (ketama, as in
 * libmemcached and most clients), so adding a server to a list of {@code n} moves about
 * {@code 1/(n+1)} of the keys. Every process sharing a cache must list the same servers, written the
 * same way. When a server is down, its keys are <em>not</em> moved to the others: operations on
 * them fail at once with {@link CacheBackendException} (the engine then fetches in the caller's
 * thread and stores nothing), keys on the other servers keep working, and xmemcached reconnects in
 * the background (every {@linkplain Builder#reconnectInterval reconnect interval}, backing off
 * linearly), so a server that comes back is used again without a restart. Keeping a dead server's
 * keys unmapped avoids the alternative's trap: entries written to a stand-in server during the outage
 * and the server's own entries from before it would both be served, stale, after it returns.
 *
 * <p><b>What memcached allows is checked here.</b> Keys must obey {@link Keys} (1 to 240 bytes of
 * printable ASCII without spaces; memcached's own limit is 250, the lease appends
 * {@code ":lease"}): any other key throws {@link IllegalArgumentException} before it reaches a
 * server. Times to live over 30 days are sent as absolute Unix times computed from the runtime's
 * clock (memcached reads larger numbers that way), so the runtime's clock must agree with the
 * servers' within the precision a 30-day expiry needs. An encoded entry larger than
 * {@link #maxEntryBytes()} (the servers' item size less {@value #ITEM_OVERHEAD_BYTES} bytes of item
 * header and key) throws {@link EntryTooLargeException} without being sent, and a server that
 * refuses an entry as too large is reported the same way.
 *
 * <p><b>Lease.</b> {@link #tryLease} is memcached's atomic {@code add} of {@code key + ":lease"}.
 * {@link #getAll} is one multi-get per server, sent together; when a server it needs is down it
 * fails as a whole with {@link CacheBackendException} rather than answer for some keys only.
 *
 * <p>Values are stored as the bytes the job's codec makes (flags 0, no compression, never Java
 * serialization). Thread-safe. The xmemcached client (its I/O threads and reconnect thread) is
 * created when a {@link dev.cacheback.Cacheback} runtime opens the backend and shut down by
 * {@link #close()}.
 */
public final class MemcachedCacheBackend extends BytesCacheBackend {

    /** Appended to a key to make its lease's key. */
    static final String LEASE_SUFFIX = ":lease";
    /** Bytes of an item that are not the value: memcached's item header (56), the key (up to 250), slack. */
    public static final int ITEM_OVERHEAD_BYTES = 320;
    /** Default {@link Builder#itemSizeLimit}: 1,048,576 bytes, memcached's default {@code -I 1m}. */
    public static final long DEFAULT_ITEM_SIZE_LIMIT = 1_048_576L;
    /** Default {@link Builder#operationTimeout}: 1 second. */
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(1);
    /** Default {@link Builder#connectTimeout}: 2 seconds. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Default {@link Builder#reconnectInterval}: 2 seconds. */
    public static final Duration DEFAULT_RECONNECT_INTERVAL = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final byte[] LEASE_MARKER = {'1'};

    private final List<InetSocketAddress> servers;
    private final String description;
    private final long operationTimeoutMillis;
    private final long connectTimeoutMillis;
    private final long reconnectIntervalMillis;
    private final long itemSizeLimit;
    private final Object lifecycle = new Object();
    private volatile MemcachedClient client;
    private volatile MemcachedSessionLocator locator;
    private volatile Map<InetSocketAddress, String> names = Map.of();
    private volatile Clock clock;
    private volatile boolean closed;

    private MemcachedCacheBackend(Builder b) {
        this.servers = b.servers;
        this.description = "memcached://" + servers.stream().map(ServerList::format).collect(Collectors.joining(","));
        this.operationTimeoutMillis = millis(b.operationTimeout != null ? b.operationTimeout : DEFAULT_OPERATION_TIMEOUT);
        this.connectTimeoutMillis = millis(b.connectTimeout != null ? b.connectTimeout : DEFAULT_CONNECT_TIMEOUT);
        this.reconnectIntervalMillis = millis(b.reconnectInterval != null ? b.reconnectInterval : DEFAULT_RECONNECT_INTERVAL);
        this.itemSizeLimit = b.itemSizeLimit != null ? b.itemSizeLimit : DEFAULT_ITEM_SIZE_LIMIT;
    }

    /**
     * A builder for the servers in {@code servers}: {@code "host:port"}, several separated by spaces
     * or commas ({@code "cache-1:11211 cache-2:11211"}); the port defaults to 11211; IPv6 literals
     * in brackets ({@code "[::1]:11211"}).
     *
     * @throws IllegalArgumentException when {@code servers} is empty, malformed, or lists a server twice
     */
    public static Builder builder(String servers) {
        return new Builder(ServerList.parse(servers));
    }

    /**
     * Connects to the servers. Servers that do not answer within the connect timeout are logged by
     * xmemcached and retried in the background; their keys fail until then.
     *
     * @throws IllegalStateException when already opened, or closed
     * @throws CacheBackendException when a host name cannot be resolved or the client cannot start
     */
    @Override
    public void open(BackendContext context) {
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("This memcached backend (" + description + ") is closed");
            }
            if (client != null) {
                throw new IllegalStateException("This memcached backend (" + description + ") is already opened; "
                        + "create one backend per runtime and alias");
            }
            List<InetSocketAddress> resolved = new ArrayList<>(servers.size());
            Map<InetSocketAddress, String> named = new HashMap<>();
            for (InetSocketAddress server : servers) {
                InetSocketAddress address = new InetSocketAddress(server.getHostString(), server.getPort());
                if (address.isUnresolved()) {
                    throw new CacheBackendException("Cannot resolve memcached server host " + ServerList.format(server)
                            + " (" + description + ")");
                }
                resolved.add(address);
                named.put(address, ServerList.format(server));
            }
            MemcachedSessionLocator ring = newLocator();
            XMemcachedClientBuilder builder = new XMemcachedClientBuilder(resolved);
            builder.setSessionLocator(ring);
            builder.setFailureMode(true);
            builder.setTranscoder(BytesTranscoder.INSTANCE);
            builder.setOpTimeout(operationTimeoutMillis);
            builder.setConnectTimeout(connectTimeoutMillis);
            builder.setHealSessionInterval(reconnectIntervalMillis);
            builder.setEnableHealSession(true);
            builder.setSanitizeKeys(false);
            builder.setName("cacheback-" + context.alias());
            MemcachedClient started;
            try {
                started = builder.build();
            } catch (IOException | RuntimeException e) {
                throw new CacheBackendException("Cannot start the memcached client for " + description + ": " + e, e);
            }
            this.locator = ring;
            this.names = Map.copyOf(named);
            this.clock = context.clock();
            this.client = started;
            log.debug("Cache \"{}\" opened on {}", context.alias(), description);
        }
    }

    /** The ring every backend uses: ketama (MD5, 160 points per server). Package-private for tests. */
    static MemcachedSessionLocator newLocator() {
        return new KetamaMemcachedSessionLocator();
    }

    @Override
    protected byte[] getBytes(String key) {
        checkKey(key);
        MemcachedClient c = client();
        try {
            return c.get(key, operationTimeoutMillis, BytesTranscoder.INSTANCE);
        } catch (Exception e) {
            throw failure("get", key, e);
        }
    }

    @Override
    protected Map<String, byte[]> getAllBytes(Collection<String> keys) {
        Set<String> unique = new LinkedHashSet<>(keys);
        unique.forEach(MemcachedCacheBackend::checkKey);
        if (unique.isEmpty()) {
            return Map.of();
        }
        MemcachedClient c = client();
        Map<String, byte[]> found;
        try {
            found = c.get(unique, operationTimeoutMillis, BytesTranscoder.INSTANCE);
        } catch (Exception e) {
            throw failure("multi-get of " + unique.size() + " keys", unique.iterator().next(), e);
        }
        Map<String, byte[]> result = new HashMap<>();
        if (found != null) {
            found.forEach((k, v) -> {
                if (v != null) {
                    result.put(k, v);
                }
            });
        }
        return result;
    }

    @Override
    protected void setBytes(String key, byte[] value, Duration ttl) {
        checkKey(key);
        long limit = maxEntryBytes();
        if (value.length > limit) {
            throw new EntryTooLargeException(description, value.length, limit, null);
        }
        MemcachedClient c = client();
        int exptime = Expiration.exptime(ttl, clock.instant());
        boolean stored;
        try {
            stored = c.set(key, exptime, value, BytesTranscoder.INSTANCE, operationTimeoutMillis);
        } catch (MemcachedServerException e) {
            if (isTooLarge(e)) {
                throw new EntryTooLargeException(description, value.length, limit, e);
            }
            throw failure("set", key, e);
        } catch (Exception e) {
            throw failure("set", key, e);
        }
        if (!stored) {
            throw new CacheBackendException("memcached " + serverOf(key) + " did not store key \"" + key + "\"");
        }
    }

    /** Removes the entry at {@code key}, if any. @throws CacheBackendException when its server cannot answer */
    @Override
    public void delete(String key) {
        checkKey(key);
        MemcachedClient c = client();
        try {
            c.delete(key, operationTimeoutMillis);
        } catch (Exception e) {
            throw failure("delete", key, e);
        }
    }

    /**
     * {@code add key:lease}: atomic on the key's server, so one caller in all processes wins.
     *
     * @throws CacheBackendException when the key's server cannot answer
     */
    @Override
    public boolean tryLease(String key, Duration ttl) {
        checkKey(key);
        MemcachedClient c = client();
        int exptime = Expiration.exptime(ttl, clock.instant());
        String leaseKey = key + LEASE_SUFFIX;
        try {
            return c.add(leaseKey, exptime, LEASE_MARKER, BytesTranscoder.INSTANCE, operationTimeoutMillis);
        } catch (Exception e) {
            throw failure("lease (add)", leaseKey, e);
        }
    }

    /** {@code delete key:lease}. @throws CacheBackendException when the key's server cannot answer */
    @Override
    public void releaseLease(String key) {
        checkKey(key);
        MemcachedClient c = client();
        String leaseKey = key + LEASE_SUFFIX;
        try {
            c.delete(leaseKey, operationTimeoutMillis);
        } catch (Exception e) {
            throw failure("lease release (delete)", leaseKey, e);
        }
    }

    /** {@code memcached://host:port,host:port}: the servers as configured. */
    @Override
    public String describe() {
        return description;
    }

    /**
     * The largest encoded entry stored: the {@linkplain Builder#itemSizeLimit item size limit} less
     * {@value #ITEM_OVERHEAD_BYTES} bytes (1,048,256 bytes by default).
     */
    @Override
    public long maxEntryBytes() {
        return itemSizeLimit - ITEM_OVERHEAD_BYTES;
    }

    /** Shuts the xmemcached client down (its connections and threads). Idempotent. */
    @Override
    public void close() {
        MemcachedClient c;
        synchronized (lifecycle) {
            closed = true;
            c = client;
        }
        if (c != null && !c.isShutdown()) {
            try {
                c.shutdown();
            } catch (IOException e) {
                throw new CacheBackendException("Failed to shut down the memcached client for " + description, e);
            }
        }
    }

    @Override
    public String toString() {
        return "MemcachedCacheBackend[" + description + "]";
    }

    // ------------------------------------------------------------------ internals

    private MemcachedClient client() {
        MemcachedClient c = client;
        if (closed) {
            throw new IllegalStateException("This memcached backend (" + description + ") is closed");
        }
        if (c == null) {
            throw new IllegalStateException("This memcached backend (" + description + ") is not opened: "
                    + "give it to Cacheback.builder().cache(...)");
        }
        return c;
    }

    private static void checkKey(String key) {
        Keys.validate(key);
    }

    private static boolean isTooLarge(MemcachedServerException e) {
        String message = e.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("too large");
    }

    private CacheBackendException failure(String operation, String key, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new CacheBackendException("Interrupted during memcached " + operation + " of key \"" + key + "\" on "
                    + serverOf(key), e);
        }
        if (e instanceof TimeoutException) {
            return new CacheBackendException("memcached " + serverOf(key) + " did not answer " + operation + " of key \""
                    + key + "\" within " + operationTimeoutMillis + " ms", e);
        }
        if (e instanceof CacheBackendException backendException) {
            return backendException;
        }
        return new CacheBackendException("memcached " + serverOf(key) + " failed " + operation + " of key \"" + key
                + "\": " + e.getMessage(), e);
    }

    /** The server {@code key} hashes to, for messages; the server list when unknown. */
    private String serverOf(String key) {
        try {
            MemcachedSessionLocator l = locator;
            var session = l == null ? null : l.getSessionByKey(key);
            InetSocketAddress a = session == null ? null : session.getRemoteSocketAddress();
            if (a != null) {
                String name = a.getAddress() == null ? null : names.get(new InetSocketAddress(a.getAddress(), a.getPort()));
                return name != null ? name : ServerList.format(InetSocketAddress.createUnresolved(a.getHostString(), a.getPort()));
            }
        } catch (RuntimeException ignored) {
            // only a message is at stake
        }
        return description;
    }

    private static long millis(Duration d) {
        return d.toMillis();
    }

    /**
     * Builds a {@link MemcachedCacheBackend}. {@link #build()} copies what it was given; setting an
     * option twice throws {@link IllegalStateException}. Not thread-safe.
     */
    public static final class Builder {
        private final List<InetSocketAddress> servers;
        private Duration operationTimeout;
        private Duration connectTimeout;
        private Duration reconnectInterval;
        private Long itemSizeLimit;

        private Builder(List<InetSocketAddress> servers) {
            this.servers = servers;
        }

        /**
         * How long one operation may wait for its server's answer before it fails with
         * {@link CacheBackendException} (and the engine answers without the cache). Default 1 second.
         * Keep it short: a read that times out is a read the caller waited for.
         */
        public Builder operationTimeout(Duration timeout) {
            requireUnset(operationTimeout, "operationTimeout");
            this.operationTimeout = requirePositive(timeout, "operationTimeout");
            return this;
        }

        /** How long opening waits for each server's connection. Default 2 seconds. */
        public Builder connectTimeout(Duration timeout) {
            requireUnset(connectTimeout, "connectTimeout");
            this.connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long after losing a server the first reconnection is tried; the n-th try waits n times
         * as long. Default 2 seconds.
         */
        public Builder reconnectInterval(Duration interval) {
            requireUnset(reconnectInterval, "reconnectInterval");
            this.reconnectInterval = requirePositive(interval, "reconnectInterval");
            return this;
        }

        /**
         * The servers' item size limit in bytes: memcached's {@code -I} option. Default 1,048,576
         * (memcached's default, 1 MB). Entries up to this less {@value #ITEM_OVERHEAD_BYTES} bytes
         * are stored; larger ones throw {@link EntryTooLargeException} without being sent.
         *
         * @throws IllegalArgumentException when smaller than 1,024 bytes
         */
        public Builder itemSizeLimit(long bytes) {
            requireUnset(itemSizeLimit, "itemSizeLimit");
            if (bytes < 1024) {
                throw new IllegalArgumentException("itemSizeLimit must be at least 1024 bytes (memcached's -I), not " + bytes);
            }
            this.itemSizeLimit = bytes;
            return this;
        }

        /** A backend with these settings; it connects when a runtime opens it. */
        public MemcachedCacheBackend build() {
            return new MemcachedCacheBackend(this);
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
            if (value.toMillis() == 0) {
                throw new IllegalArgumentException(option + " must be at least 1 ms, not " + value);
            }
            return value;
        }
    }

    /**
     * Asks every server for its {@code stats}, one after the other, each waiting at most the
     * operation timeout (default 1 second), so a ping takes at most that times the number of
     * servers. Returns when every server answered. Thread-safe.
     *
     * @throws CacheBackendException naming each server that did not answer, and why
     * @throws IllegalStateException when this backend is not opened, or closed
     */
    @Override
    public void ping() {
        MemcachedClient c = client();
        List<String> failed = new ArrayList<>();
        for (Map.Entry<InetSocketAddress, String> server : names.entrySet()) {
            try {
                Map<String, String> stats = c.stats(server.getKey(), operationTimeoutMillis);
                if (stats == null || stats.isEmpty()) {
                    failed.add(server.getValue() + " (not connected)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CacheBackendException("Interrupted while pinging memcached " + description, e);
            } catch (TimeoutException e) {
                failed.add(server.getValue() + " (no answer within " + operationTimeoutMillis + " ms)");
            } catch (Exception e) {
                failed.add(server.getValue() + " (" + e.getMessage() + ")");
            }
        }
        if (!failed.isEmpty()) {
            throw new CacheBackendException(failed.size() + " of " + names.size() + " memcached servers of " + description
                    + " did not answer stats: " + String.join(", ", failed));
        }
    }
}

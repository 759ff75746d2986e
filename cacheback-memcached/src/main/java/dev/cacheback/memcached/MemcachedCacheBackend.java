package dev.cacheback.memcached;

import com.google.code.yanf4j.core.Session;
import dev.cacheback.CacheEntry;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.BytesCacheBackend;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.spi.EntryFormat;
import dev.cacheback.spi.EntryTooLargeException;
import dev.cacheback.spi.Keys;
import dev.cacheback.spi.Leases;
import dev.cacheback.spi.ServerBreaker;
import net.rubyeye.xmemcached.GetsResponse;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.MemcachedSessionLocator;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.exception.MemcachedClientException;
import net.rubyeye.xmemcached.exception.MemcachedServerException;
import net.rubyeye.xmemcached.impl.KetamaMemcachedSessionLocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A cache on one or several memcached servers, through xmemcached's text protocol.
 * <pre>{@code
 * Cacheback cacheback = Cacheback.builder()
 *         .cache("default", MemcachedCacheBackend.builder("cache-1:11211 cache-2:11211").keyPrefix("shop:").build())
 *         .build();
 * }</pre>
 *
 * <p><b>Several servers.</b> Keys are spread over the servers by consistent hashing (ketama, as in
 * libmemcached and most clients), so adding a server to a list of {@code n} moves about
 * {@code 1/(n+1)} of the keys. Every process sharing a cache must list the same servers, written the
 * same way, and use the same {@linkplain Builder#keyPrefix key prefix}. When a server is down, its
 * keys are <em>not</em> moved to the others: operations on them fail with
 * {@link CacheBackendException} (the engine then fetches in the caller's thread and stores nothing),
 * keys on the other servers keep working, and xmemcached reconnects in the background (every
 * {@linkplain Builder#reconnectInterval reconnect interval}, backing off linearly), so a server that
 * comes back is used again without a restart. Keeping a dead server's keys unmapped avoids the
 * alternative's trap: entries written to a stand-in server during the outage and the server's own
 * entries from before it would both be served, stale, after it returns.
 *
 * <p><b>Bounded waits: a breaker per server.</b> Each server has its own {@link ServerBreaker}. When
 * an operation on a server times out ({@linkplain Builder#operationTimeout operation timeout}) or
 * its connection fails, that server's breaker opens: later operations on keys that live on it fail at
 * once with {@link CacheBackendException}, without waiting, until a probe (one operation let through
 * every {@linkplain Builder#probeInterval probe interval}) is answered. Keys on the other servers are
 * unaffected. A frozen server so costs a caller at most about one operation timeout, once; opening
 * and closing are logged once each. Errors the server answers with (an item too large) do not open
 * it.
 *
 * <p><b>Owned lease.</b> The lease of a key lives at the key's memcached key followed by
 * {@value #LEASE_SUFFIX}, and holds either the token of its holder or a {@code free} marker.
 * {@link #tryLease} is an atomic {@code add} of a new token; if the lease key exists and holds the
 * free marker, a {@code gets}/{@code cas} pair replaces the marker with the token. Releasing and
 * extending are {@code gets} then {@code cas}, only when the value is the caller's token: releasing
 * writes the free marker (kept {@value #FREE_MARKER_SECONDS} seconds), extending writes the token
 * again with the new expiry. So a process never releases or extends a lease another process took
 * after its own expired. (memcached's text protocol has no conditional delete: xmemcached's
 * {@code delete(key, cas, timeout)} sends a plain {@code delete} on it, hence the marker.)
 *
 * <p><b>Fenced writes.</b> {@link #setIfVersion} reads the key with {@code gets}; when there is no
 * item it stores with {@code add} (so a concurrent writer that came first wins), when the stored
 * entry has the expected version it stores with {@code cas} on the token {@code gets} returned (so
 * anything written in between wins), and otherwise it stores nothing.
 *
 * <p><b>What memcached allows is checked here.</b> Keys must obey {@link Keys} (1 to 240 bytes of
 * printable ASCII without spaces): any other key throws {@link IllegalArgumentException} before it
 * reaches a server. With the key prefix and the lease suffix, every key sent fits memcached's 250
 * bytes. Times to live of at most 30 days (the default {@code cacheTtl} is exactly 30 days) are sent
 * as relative seconds and need no agreement between clocks; longer ones are sent as absolute Unix
 * times computed from the runtime's clock (memcached reads larger numbers that way), so the
 * runtime's clock must then agree with the servers'. An encoded entry larger than
 * {@link #maxEntryBytes()} (the servers' item size less {@value #ITEM_OVERHEAD_BYTES} bytes of item
 * header and key) throws {@link EntryTooLargeException} without being sent, and a server that
 * refuses an entry as too large is reported the same way; both name the fix (the server's
 * {@code -I} and {@link Builder#itemSizeLimit}).
 *
 * <p>{@link #getAll} is one multi-get per server, one server after the other; when a server it needs
 * is down it fails as a whole with {@link CacheBackendException} rather than answer for some keys
 * only.
 *
 * <p>Values are stored as the bytes the job's codec makes (flags 0, no compression, never Java
 * serialization). Thread-safe. The xmemcached client (its I/O threads and reconnect thread) is
 * created when a {@link dev.cacheback.Cacheback} runtime opens the backend and shut down by
 * {@link #close()}.
 */
public final class MemcachedCacheBackend extends BytesCacheBackend {

    /** Appended to a key (after the prefix) to make its lease's key. */
    static final String LEASE_SUFFIX = "~L";
    /** memcached's longest key. */
    static final int MEMCACHED_MAX_KEY_BYTES = 250;
    /**
     * The longest {@linkplain Builder#keyPrefix key prefix}: 8 bytes, what memcached's 250 leaves
     * beside the longest job key ({@value Keys#MAX_KEY_BYTES}) and the lease suffix.
     */
    public static final int MAX_KEY_PREFIX_BYTES = MEMCACHED_MAX_KEY_BYTES - Keys.MAX_KEY_BYTES - LEASE_SUFFIX.length();
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
    /** Default {@link Builder#probeInterval}: 1 second. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);

    /** The value of a lease key nobody holds. Tokens are 16 hex digits, so never equal to it. */
    static final byte[] FREE_MARKER = "free".getBytes(StandardCharsets.US_ASCII);
    /** How long a released lease's free marker is kept (then the key is absent, which is free too). */
    static final int FREE_MARKER_SECONDS = 10;

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    private final List<InetSocketAddress> servers;
    private final String description;
    private final String keyPrefix;
    private final long operationTimeoutMillis;
    private final long connectTimeoutMillis;
    private final long reconnectIntervalMillis;
    private final Duration probeInterval;
    private final long itemSizeLimit;
    private final Object lifecycle = new Object();
    private final ConcurrentHashMap<InetSocketAddress, Node> nodes = new ConcurrentHashMap<>();
    /** The node when one server is configured: every key lives there, so no ring lookup per call. */
    private volatile Node onlyNode;
    private volatile MemcachedClient client;
    private volatile MemcachedSessionLocator locator;
    private volatile Map<InetSocketAddress, String> names = Map.of();
    private volatile Clock clock;
    private volatile boolean closed;

    /** One server as this backend sees it: its name for messages and its breaker. */
    private record Node(String name, ServerBreaker breaker) {
    }

    /** One operation on the xmemcached client. */
    @FunctionalInterface
    private interface Operation<T> {
        T run(MemcachedClient client) throws Exception;
    }

    private MemcachedCacheBackend(Builder b) {
        this.servers = b.servers;
        this.keyPrefix = b.keyPrefix != null ? b.keyPrefix : "";
        this.description = "memcached://" + servers.stream().map(ServerList::format).collect(Collectors.joining(","));
        this.operationTimeoutMillis = millis(b.operationTimeout != null ? b.operationTimeout : DEFAULT_OPERATION_TIMEOUT);
        this.connectTimeoutMillis = millis(b.connectTimeout != null ? b.connectTimeout : DEFAULT_CONNECT_TIMEOUT);
        this.reconnectIntervalMillis = millis(b.reconnectInterval != null ? b.reconnectInterval : DEFAULT_RECONNECT_INTERVAL);
        this.probeInterval = b.probeInterval != null ? b.probeInterval : DEFAULT_PROBE_INTERVAL;
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
            this.clock = context.clock();
            this.names = Map.copyOf(named);
            named.forEach((address, name) -> nodes.put(address, newNode(name)));
            this.onlyNode = nodes.size() == 1 ? nodes.values().iterator().next() : null;
            this.locator = ring;
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
        String k = memcachedKey(key);
        return call("get", k, c -> c.get(k, operationTimeoutMillis, BytesTranscoder.INSTANCE));
    }

    @Override
    protected Map<String, byte[]> getAllBytes(Collection<String> keys) {
        Set<String> unique = new LinkedHashSet<>(keys);
        Map<String, String> byMemcachedKey = new LinkedHashMap<>();
        for (String key : unique) {
            byMemcachedKey.put(memcachedKey(key), key);
        }
        if (byMemcachedKey.isEmpty()) {
            return Map.of();
        }
        client();
        // one multi-get per server, so that a timeout is charged to the server that did not answer
        Map<Node, List<String>> byNode = new LinkedHashMap<>();
        List<String> unplaced = new ArrayList<>();
        for (String k : byMemcachedKey.keySet()) {
            Node node = nodeOf(k);
            if (node == null) {
                unplaced.add(k);
            } else {
                byNode.computeIfAbsent(node, n -> new ArrayList<>()).add(k);
            }
        }
        Map<String, byte[]> result = new HashMap<>();
        for (Map.Entry<Node, List<String>> group : byNode.entrySet()) {
            collect(group.getValue(), group.getKey(), byMemcachedKey, result);
        }
        if (!unplaced.isEmpty()) {
            collect(unplaced, null, byMemcachedKey, result);
        }
        return result;
    }

    private void collect(List<String> memcachedKeys, Node node, Map<String, String> byMemcachedKey,
                         Map<String, byte[]> result) {
        Map<String, byte[]> found = call("multi-get of " + memcachedKeys.size() + " keys", memcachedKeys.get(0), node,
                c -> c.get(memcachedKeys, operationTimeoutMillis, BytesTranscoder.INSTANCE));
        if (found != null) {
            found.forEach((k, v) -> {
                String key = byMemcachedKey.get(k);
                if (v != null && key != null) {
                    result.put(key, v);
                }
            });
        }
    }

    @Override
    protected void setBytes(String key, byte[] value, Duration ttl) {
        String k = memcachedKey(key);
        checkSize(value);
        int exptime = Expiration.exptime(ttl, clock.instant());
        boolean stored = store("set", k, value, c -> c.set(k, exptime, value, BytesTranscoder.INSTANCE, operationTimeoutMillis));
        if (!stored) {
            throw new CacheBackendException("memcached " + serverOf(k) + " did not store key \"" + k + "\"");
        }
    }

    /**
     * {@code gets} the key; no item: {@code add} (false when another writer added first); an entry of
     * version {@code expectedVersion} (or bytes that read as no entry, when that is expected):
     * {@code cas} on the token read (false when anything was written in between); otherwise false.
     *
     * @throws EntryTooLargeException when {@code value} exceeds {@link #maxEntryBytes()} or the server
     *     refuses it as too large
     * @throws CacheBackendException when the key's server cannot answer, or its breaker is open
     */
    @Override
    protected boolean setBytesIfVersion(String key, long expectedVersion, byte[] value, Duration ttl) {
        String k = memcachedKey(key);
        checkSize(value);
        GetsResponse<byte[]> current = call("gets", k, c -> c.gets(k, operationTimeoutMillis, BytesTranscoder.INSTANCE));
        int exptime = Expiration.exptime(ttl, clock.instant());
        if (current == null) {
            return expectedVersion == CacheEntry.NO_ENTRY
                    && store("add", k, value, c -> c.add(k, exptime, value, BytesTranscoder.INSTANCE, operationTimeoutMillis));
        }
        if (EntryFormat.version(current.getValue()) != expectedVersion) {
            return false;
        }
        long cas = current.getCas();
        return store("cas", k, value, c -> c.cas(k, exptime, value, BytesTranscoder.INSTANCE, operationTimeoutMillis, cas));
    }

    /**
     * Removes the entry at {@code key}, if any.
     *
     * @throws CacheBackendException when its server cannot answer, or its breaker is open
     */
    @Override
    public void delete(String key) {
        String k = memcachedKey(key);
        call("delete", k, c -> c.delete(k, operationTimeoutMillis));
    }

    /**
     * {@code add} of a new token at the lease key: atomic on the key's server, so one caller in all
     * processes wins. When the lease key holds the free marker of a released lease, a {@code gets} and
     * a {@code cas} take it instead.
     *
     * @return the new token, or {@code null} when another holds the lease
     * @throws CacheBackendException when the lease key's server cannot answer, or its breaker is open
     */
    @Override
    public String tryLease(String key, Duration ttl) {
        String leaseKey = memcachedKey(key) + LEASE_SUFFIX;
        String token = Leases.newToken();
        byte[] tokenBytes = token.getBytes(StandardCharsets.US_ASCII);
        int exptime = Expiration.exptime(ttl, clock.instant());
        // two rounds: a free marker that expires between the add and the gets is added over in the second
        for (int round = 0; round < 2; round++) {
            if (call("lease (add)", leaseKey,
                    c -> c.add(leaseKey, exptime, tokenBytes, BytesTranscoder.INSTANCE, operationTimeoutMillis))) {
                return token;
            }
            GetsResponse<byte[]> held = call("lease (gets)", leaseKey,
                    c -> c.gets(leaseKey, operationTimeoutMillis, BytesTranscoder.INSTANCE));
            if (held == null) {
                continue;
            }
            if (!Arrays.equals(held.getValue(), FREE_MARKER)) {
                return null;
            }
            long cas = held.getCas();
            return call("lease (cas)", leaseKey,
                    c -> c.cas(leaseKey, exptime, tokenBytes, BytesTranscoder.INSTANCE, operationTimeoutMillis, cas))
                    ? token : null;
        }
        return null;
    }

    /**
     * {@code gets} the lease key; only if it holds {@code token}, {@code cas} the free marker over it.
     *
     * @return whether {@code token} held the lease and it is now free
     * @throws CacheBackendException when the lease key's server cannot answer, or its breaker is open
     */
    @Override
    public boolean releaseLease(String key, String token) {
        String leaseKey = memcachedKey(key) + LEASE_SUFFIX;
        int exptime = Expiration.exptime(Duration.ofSeconds(FREE_MARKER_SECONDS), clock.instant());
        return replaceOwnLease(key, token, "lease release", leaseKey, exptime, FREE_MARKER);
    }

    /**
     * {@code gets} the lease key; only if it holds {@code token}, {@code cas} the token again with the
     * new expiry.
     *
     * @return whether {@code token} held the lease and it was extended
     * @throws CacheBackendException when the lease key's server cannot answer, or its breaker is open
     */
    @Override
    public boolean extendLease(String key, String token, Duration ttl) {
        String leaseKey = memcachedKey(key) + LEASE_SUFFIX;
        int exptime = Expiration.exptime(ttl, clock.instant());
        return replaceOwnLease(key, token, "lease extension", leaseKey, exptime,
                Objects.requireNonNull(token, "token").getBytes(StandardCharsets.US_ASCII));
    }

    private boolean replaceOwnLease(String key, String token, String operation, String leaseKey, int exptime,
                                    byte[] newValue) {
        Objects.requireNonNull(token, "token");
        GetsResponse<byte[]> held = call(operation + " (gets)", leaseKey,
                c -> c.gets(leaseKey, operationTimeoutMillis, BytesTranscoder.INSTANCE));
        if (held == null || !Arrays.equals(held.getValue(), token.getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        long cas = held.getCas();
        return call(operation + " (cas)", leaseKey,
                c -> c.cas(leaseKey, exptime, newValue, BytesTranscoder.INSTANCE, operationTimeoutMillis, cas));
    }

    /** {@code true}: every process configured with the same servers and key prefix shares this cache. */
    @Override
    public boolean shared() {
        return true;
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

    /** The key sent to memcached for {@code key}: the prefix and the key, after checking the key rule. */
    private String memcachedKey(String key) {
        Keys.validate(key);
        return keyPrefix.isEmpty() ? key : keyPrefix + key;
    }

    private void checkSize(byte[] value) {
        long limit = maxEntryBytes();
        if (value.length > limit) {
            throw new EntryTooLargeException(description, value.length, limit, null);
        }
    }

    /** A store command ({@code set}, {@code add}, {@code cas}): a server's "too large" becomes {@link EntryTooLargeException}. */
    private boolean store(String operation, String memcachedKey, byte[] value, Operation<Boolean> command) {
        try {
            return call(operation, memcachedKey, command);
        } catch (CacheBackendException e) {
            if (e.getCause() instanceof MemcachedServerException server && isTooLarge(server)) {
                // the server's -I is smaller than itemSizeLimit says: its real limit is unknown here
                throw new EntryTooLargeException(description, value.length, -1, server);
            }
            throw e;
        }
    }

    private <T> T call(String operation, String memcachedKey, Operation<T> command) {
        MemcachedClient c = client();
        return call(c, operation, memcachedKey, nodeOf(memcachedKey), command);
    }

    private <T> T call(String operation, String memcachedKey, Node node, Operation<T> command) {
        return call(client(), operation, memcachedKey, node, command);
    }

    /**
     * Runs {@code command} through the breaker of the server {@code memcachedKey} lives on: refused at
     * once while it is open; a timeout or a lost connection opens it; any answer closes it.
     */
    private <T> T call(MemcachedClient c, String operation, String memcachedKey, Node node, Operation<T> command) {
        if (node != null && !node.breaker().allow()) {
            throw new CacheBackendException("memcached " + operation + " of key \"" + memcachedKey + "\" not sent: "
                    + node.breaker().openMessage());
        }
        T result;
        try {
            result = command.run(c);
        } catch (Exception e) {
            if (node != null) {
                if (unanswered(e)) {
                    node.breaker().failed(e);
                } else if (!(e instanceof InterruptedException)) {
                    node.breaker().succeeded();
                }
            }
            throw failure(operation, memcachedKey, node, e);
        }
        if (node != null) {
            node.breaker().succeeded();
        }
        return result;
    }

    /** A timeout or a connection failure (not an error the server answered with, nor a bad argument). */
    private static boolean unanswered(Exception e) {
        if (e instanceof TimeoutException) {
            return true;
        }
        return e instanceof net.rubyeye.xmemcached.exception.MemcachedException
                && !(e instanceof MemcachedServerException) && !(e instanceof MemcachedClientException);
    }

    /**
     * The server {@code memcachedKey} hashes to, or {@code null} when the ring has no server yet. With
     * one server, that server without hashing the key (the client hashes it again to send the command:
     * on the hit path the ring lookup, an MD5 of the key, is the backend's largest own cost).
     */
    private Node nodeOf(String memcachedKey) {
        Node only = onlyNode;
        if (only != null) {
            return only;
        }
        MemcachedSessionLocator l = locator;
        Session session;
        try {
            session = l == null ? null : l.getSessionByKey(memcachedKey);
        } catch (RuntimeException e) {
            return null;
        }
        InetSocketAddress a = session == null ? null : session.getRemoteSocketAddress();
        if (a == null) {
            return null;
        }
        InetSocketAddress normal = a.getAddress() == null ? a : new InetSocketAddress(a.getAddress(), a.getPort());
        Node node = nodes.get(normal);
        return node != null ? node : nodes.computeIfAbsent(normal, address -> newNode(
                ServerList.format(InetSocketAddress.createUnresolved(address.getHostString(), address.getPort()))));
    }

    private Node newNode(String name) {
        return new Node(name, new ServerBreaker("memcached://" + name, clock, probeInterval));
    }

    private static boolean isTooLarge(MemcachedServerException e) {
        String message = e.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("too large");
    }

    private CacheBackendException failure(String operation, String memcachedKey, Node node, Exception e) {
        String server = node != null ? node.name() : serverOf(memcachedKey);
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new CacheBackendException("Interrupted during memcached " + operation + " of key \"" + memcachedKey
                    + "\" on " + server, e);
        }
        if (e instanceof TimeoutException) {
            return new CacheBackendException("memcached " + server + " did not answer " + operation + " of key \""
                    + memcachedKey + "\" within " + operationTimeoutMillis + " ms", e);
        }
        if (e instanceof CacheBackendException backendException) {
            return backendException;
        }
        return new CacheBackendException("memcached " + server + " failed " + operation + " of key \"" + memcachedKey
                + "\": " + e.getMessage(), e);
    }

    /** The server {@code memcachedKey} hashes to, for messages; the server list when unknown. */
    private String serverOf(String memcachedKey) {
        Node node = nodeOf(memcachedKey);
        if (node != null) {
            return node.name();
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
        private String keyPrefix;
        private Duration operationTimeout;
        private Duration connectTimeout;
        private Duration reconnectInterval;
        private Duration probeInterval;
        private Long itemSizeLimit;

        private Builder(List<InetSocketAddress> servers) {
            this.servers = servers;
        }

        /**
         * Put before every key this backend sends (entries and leases), so that several applications
         * can share servers without sharing keys: {@code "shop:"}. Default: none. Every process sharing
         * a cache must use the same prefix.
         *
         * @throws IllegalArgumentException when {@code prefix} is empty, longer than
         *     {@link MemcachedCacheBackend#MAX_KEY_PREFIX_BYTES} bytes (memcached's keys are at most 250
         *     bytes; job keys up to {@value Keys#MAX_KEY_BYTES} and the lease suffix take the rest), or not
         *     printable ASCII without spaces
         * @throws NullPointerException when {@code prefix} is null
         */
        public Builder keyPrefix(String prefix) {
            requireUnset(keyPrefix, "keyPrefix");
            Objects.requireNonNull(prefix, "keyPrefix");
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException("keyPrefix must not be empty; leave it unset for no prefix");
            }
            if (prefix.length() > MAX_KEY_PREFIX_BYTES) {
                throw new IllegalArgumentException("keyPrefix \"" + prefix + "\" is " + prefix.length() + " bytes; at most "
                        + MAX_KEY_PREFIX_BYTES + " fit: memcached keys are at most " + MEMCACHED_MAX_KEY_BYTES
                        + " bytes, a job key may take " + Keys.MAX_KEY_BYTES + " and the lease suffix "
                        + LEASE_SUFFIX.length() + " (use a shorter prefix, such as \"" + shortened(prefix) + "\")");
            }
            String violation = Keys.violation(prefix);
            if (violation != null) {
                throw new IllegalArgumentException("keyPrefix \"" + prefix + "\" is not a valid key part: "
                        + violation.replace("the key", "the prefix"));
            }
            this.keyPrefix = prefix;
            return this;
        }

        private static String shortened(String prefix) {
            String head = prefix.endsWith(":") ? prefix.substring(0, prefix.length() - 1) : prefix;
            return head.substring(0, Math.min(head.length(), MAX_KEY_PREFIX_BYTES - 1)) + ":";
        }

        /**
         * How long one operation may wait for its server's answer before it fails with
         * {@link CacheBackendException} (and the engine answers without the cache). Default 1 second.
         * Keep it short: a read that times out is a read the caller waited for. After a timeout the
         * server's breaker opens and later operations on it fail at once (see {@link #probeInterval}).
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
         * After a server did not answer (a timeout or a lost connection), how long operations on its
         * keys fail at once before one is let through as a probe; the server is used again as soon as
         * a probe is answered. Measured on the runtime's clock. Default 1 second.
         */
        public Builder probeInterval(Duration interval) {
            requireUnset(probeInterval, "probeInterval");
            this.probeInterval = requirePositive(interval, "probeInterval");
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

package dev.cacheback.redis;

import dev.cacheback.spi.ServerBreaker;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One Lettuce client (standalone or Redis Cluster) and its shared, thread-safe connection, with the
 * options every Cacheback connection uses: commands are rejected at once while disconnected (never
 * queued until Redis returns), each command waits at most the command timeout, and the client
 * reconnects by itself, waiting at most {@link #MAX_RECONNECT_DELAY} between attempts (Lettuce's own
 * default grows to 30 s).
 *
 * <p>Every command on the shared connection goes through {@link #call}, guarded by a
 * {@link ServerBreaker}: after one command timed out or the connection failed, calls fail at once
 * until a probe (one call every probe interval) is answered (DESIGN.md F5).
 *
 * <p>The shared connection is made asynchronously: while it is being made, or after an attempt
 * failed, {@link #commands()} throws at once (and a failed attempt is retried by the next call), so a
 * Redis that is down at startup never blocks callers.
 */
final class RedisConnector implements AutoCloseable {

    /** A connection and its synchronous commands, the same interface for standalone and cluster. */
    record Link(StatefulConnection<byte[], byte[]> connection, RedisClusterCommands<byte[], byte[]> commands) {
    }

    /** The accepted URI forms, for errors (worded so that no redaction of user information garbles it). */
    private static final String URI_FORMS = "expected redis://host[:port][/database], with credentials as "
            + "redis://user:password then @ then the host (or :password alone), or rediss:// for TLS";

    /** The longest wait between two reconnect attempts (DESIGN.md F6): 2 s. */
    static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(2);
    /** The first wait before a reconnect attempt; each next one doubles, up to {@link #MAX_RECONNECT_DELAY}. */
    static final Duration MIN_RECONNECT_DELAY = Duration.ofMillis(50);

    private final RedisURI uri;
    private final boolean cluster;
    private final ClientResources resources;
    private final ServerBreaker breaker;
    private final Duration commandTimeout;
    private final String description;
    private final RedisClient client;
    private final RedisClusterClient clusterClient;
    private final AtomicReference<CompletableFuture<Link>> shared = new AtomicReference<>();
    private volatile boolean closed;

    /**
     * @param role how the breaker's log lines name this connection's user, such as {@code "Redis cache"}
     */
    RedisConnector(String uriText, boolean cluster, Duration commandTimeout, Duration connectTimeout, Clock clock,
                   Duration probeInterval, String role) {
        this.uri = parse(uriText);
        this.cluster = cluster;
        this.commandTimeout = commandTimeout;
        this.description = describe(uri, cluster);
        this.breaker = new ServerBreaker(role + " " + description, clock, probeInterval);
        this.resources = ClientResources.builder()
                .reconnectDelay(() -> Delay.exponential(MIN_RECONNECT_DELAY, MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
                .build();
        uri.setTimeout(commandTimeout);
        SocketOptions socket = SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build();
        if (cluster) {
            this.client = null;
            this.clusterClient = RedisClusterClient.create(resources, uri);
            clusterClient.setOptions(ClusterClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .autoReconnect(true)
                    .socketOptions(socket)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofMinutes(1)).build()) // adaptive triggers are on by default
                    .build());
        } else {
            this.clusterClient = null;
            this.client = RedisClient.create(resources);
            client.setOptions(ClientOptions.builder()
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .autoReconnect(true)
                    .socketOptions(socket)
                    .build());
        }
    }

    /**
     * Parses a {@code redis://} or {@code rediss://} URI.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    static RedisURI parse(String uriText) {
        Objects.requireNonNull(uriText, "uri");
        if (!uriText.startsWith("redis://") && !uriText.startsWith("rediss://")) {
            throw new IllegalArgumentException("Not a Redis URI: \"" + redact(uriText) + "\"; " + URI_FORMS);
        }
        RedisURI uri;
        try {
            uri = RedisURI.create(uriText);
        } catch (RuntimeException e) {
            // Lettuce's message may quote the URI, password included: neither it nor the cause is kept
            throw new IllegalArgumentException("Not a Redis URI: \"" + redact(uriText) + "\" ("
                    + redact(String.valueOf(e.getMessage())).replace(passwordOf(uriText), "***") + "); " + URI_FORMS);
        }
        String host = uri.getHost();
        if (host == null || host.isBlank() || (host.contains(":") && !uriText.contains("["))) {
            // Lettuce takes "host:notaport" for a host name
            throw new IllegalArgumentException("Not a Redis URI: \"" + redact(uriText) + "\" (no host and numeric port "
                    + "in \"" + redact(host == null ? "" : host) + "\"); " + URI_FORMS);
        }
        return uri;
    }

    /** {@code redis://host:port/db} (or {@code redis-cluster://…}): never credentials. */
    static String describe(RedisURI uri, boolean cluster) {
        String scheme = (cluster ? "redis-cluster" : "redis") + (uri.isSsl() ? "s" : "");
        return scheme + "://" + uri.getHost() + ":" + uri.getPort() + (cluster ? "" : "/" + uri.getDatabase());
    }

    /** Strips any user information (everything before the last {@code @}) from a URI-like text, for error messages. */
    static String redact(String text) {
        int at = text.lastIndexOf('@');
        if (at < 0) {
            return text;
        }
        int scheme = text.indexOf("://");
        int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        return text.substring(0, start) + "***@" + text.substring(at + 1);
    }

    /** The text between "://" and the last "@" (the user information), or a string found nowhere. */
    private static String passwordOf(String text) {
        int at = text.lastIndexOf('@');
        int scheme = text.indexOf("://");
        int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        if (at > start) {
            String info = text.substring(start, at);
            int colon = info.indexOf(':');
            String secret = colon >= 0 ? info.substring(colon + 1) : info;
            if (!secret.isEmpty()) {
                return secret;
            }
        }
        return "\u0000no-secret\u0000";
    }

    String description() {
        return description;
    }

    Duration commandTimeout() {
        return commandTimeout;
    }

    ServerBreaker breaker() {
        return breaker;
    }

    /**
     * Runs {@code command} on the shared connection through the breaker: refused at once while the
     * breaker is open; a timeout or connection failure opens it; any answer (an error reply included)
     * closes it.
     *
     * @throws RedisUnavailableException when the breaker refuses the call or there is no connection
     * @throws RuntimeException what Lettuce threw otherwise
     */
    <T> T call(Function<RedisClusterCommands<byte[], byte[]>, T> command) {
        if (!breaker.allow()) {
            throw new RedisUnavailableException(breaker.openMessage(), null);
        }
        T result;
        try {
            result = command.apply(commands());
        } catch (RedisCommandExecutionException answered) {
            breaker.succeeded(); // an error reply is an answer
            throw answered;
        } catch (RedisException | RedisUnavailableException e) {
            breaker.failed(e); // timed out, rejected while disconnected, connection failed
            throw e;
        } catch (RuntimeException other) {
            breaker.succeeded(); // thrown while reading an answer (such as bytes that are not an entry)
            throw other;
        }
        breaker.succeeded();
        return result;
    }

    /**
     * Runs a Lua script by its SHA-1 ({@code EVALSHA}), sending its text ({@code EVAL}, which caches
     * it on the server) only when the server answers {@code NOSCRIPT} (first use, a restarted or
     * flushed server, a cluster node that has not seen it yet).
     */
    static <T> T eval(RedisClusterCommands<byte[], byte[]> commands, Script script, ScriptOutputType type,
                      byte[][] keys, byte[]... args) {
        try {
            return commands.evalsha(script.sha(), type, keys, args);
        } catch (RedisNoScriptException e) {
            return commands.eval(script.text(), type, keys, args);
        }
    }

    /** A Lua script and its SHA-1. */
    record Script(String text, String sha) {
        static Script of(String text) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
                return new Script(text, HexFormat.of().formatHex(digest));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is missing from this JVM", e);
            }
        }
    }

    /**
     * Starts connecting the shared connection and waits up to {@code wait} for it; never throws for an
     * unreachable server (the next {@link #commands()} retries).
     */
    void start(Duration wait) {
        CompletableFuture<Link> attempt = attempt();
        try {
            attempt.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // reported by the first command
        }
    }

    /**
     * The shared connection's commands.
     *
     * @throws RedisUnavailableException at once while the connection is not made (yet)
     */
    RedisClusterCommands<byte[], byte[]> commands() {
        CompletableFuture<Link> current = shared.get();
        if (current == null || (current.isDone() && current.isCompletedExceptionally())) {
            current = attempt();
        }
        if (!current.isDone()) {
            throw new RedisUnavailableException("Not connected to " + description + " yet (connecting)", null);
        }
        try {
            return current.join().commands();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new RedisUnavailableException("Cannot connect to " + description + ": " + cause.getMessage(), cause);
        }
    }

    private CompletableFuture<Link> attempt() {
        while (true) {
            CompletableFuture<Link> current = shared.get();
            if (closed) {
                throw new RedisUnavailableException("The connection to " + description + " is closed", null);
            }
            if (current != null && !(current.isDone() && current.isCompletedExceptionally())) {
                return current;
            }
            CompletableFuture<Link> next = new CompletableFuture<>();
            if (shared.compareAndSet(current, next)) {
                connectAsync().whenComplete((link, failure) -> {
                    if (failure != null) {
                        next.completeExceptionally(failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure);
                    } else if (closed) {
                        link.connection().closeAsync();
                        next.completeExceptionally(new RedisUnavailableException("closed", null));
                    } else {
                        next.complete(link);
                    }
                });
                return next;
            }
        }
    }

    private CompletableFuture<Link> connectAsync() {
        try {
            if (cluster) {
                // the cluster client's connectAsync needs partitions loaded first: connect synchronously,
                // on a thread of its own, so callers still never wait for a connection
                CompletableFuture<Link> future = new CompletableFuture<>();
                Thread connecting = new Thread(() -> {
                    try {
                        StatefulRedisClusterConnection<byte[], byte[]> c = clusterClient.connect(ByteArrayCodec.INSTANCE);
                        future.complete(new Link(c, c.sync()));
                    } catch (RuntimeException e) {
                        future.completeExceptionally(e);
                    }
                }, "cacheback-redis-connect");
                connecting.setDaemon(true);
                connecting.start();
                return future;
            }
            return client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture()
                    .thenApply(c -> new Link(c, c.sync()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A new connection of its own (for blocking stream reads), made synchronously, whose commands
     * wait at most {@code timeout}. The caller closes it.
     */
    Link dedicated(Duration timeout) {
        if (closed) {
            throw new RedisUnavailableException("The connection to " + description + " is closed", null);
        }
        if (cluster) {
            StatefulRedisClusterConnection<byte[], byte[]> c = clusterClient.connect(ByteArrayCodec.INSTANCE);
            c.setTimeout(timeout);
            return new Link(c, c.sync());
        }
        StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE, uri);
        c.setTimeout(timeout);
        return new Link(c, c.sync());
    }

    /**
     * A new publish/subscribe connection of its own (standalone Redis only), made asynchronously, with
     * this connector's options (reconnects by itself, at most 2 s apart). The caller closes it.
     */
    CompletableFuture<StatefulRedisPubSubConnection<byte[], byte[]>> pubSubAsync() {
        if (cluster) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException(
                    "a backplane on Redis Cluster is not supported: give it the URI of a standalone Redis"));
        }
        if (closed) {
            return CompletableFuture.failedFuture(new RedisUnavailableException("The connection to " + description + " is closed", null));
        }
        try {
            return client.connectPubSubAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Closes the shared connection and shuts the client (and its threads) down. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Link> current = shared.get();
        if (current != null && current.isDone() && !current.isCompletedExceptionally()) {
            try {
                current.join().connection().close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        try {
            if (cluster) {
                clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            } else {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        } finally {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** The shared connection is not made (yet), or is closed. */
    static final class RedisUnavailableException extends RuntimeException {
        RedisUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

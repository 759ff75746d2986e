package dev.cacheback.spi;

import dev.cacheback.internal.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every {@link Backplane} shares, so that a broker module keeps only its transport: the origin id,
 * the message format, the listeners by alias, the heartbeat and {@link #confirmedMillis()}.
 *
 * <p>A transport implements three things: {@link #start()} (connect and subscribe; call
 * {@link #subscribed(long)} each time the subscription is made, the first time and after every
 * reconnection, with the clock time read <em>before</em> subscribing, and {@link #disconnected(Throwable)}
 * when it is lost), {@link #send(byte[])} (publish to every process) and {@link #sendToSelf(byte[])}
 * (publish to this process's subscription alone, on a path that delivers it after everything the server
 * received before it from {@link #send}), and calls {@link #received(byte[])} for every message that
 * arrives on the subscription. It calls {@link #heartbeat()} every {@link #heartbeatInterval()} on its
 * client's own scheduler.
 *
 * <p>Messages are short UTF-8 text: {@code cbnear1}, a kind ({@code I} one key, {@code A} every key,
 * {@code H} heartbeat), the origin, the sender's clock millis, the alias and the key, one per line.
 * Anything else that arrives is logged (escaped) and dropped; nothing in a message names a class.
 */
public abstract class AbstractBackplane implements Backplane {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final String MAGIC = "cbnear1";

    private final String origin = Leases.newToken();
    private final Duration heartbeatInterval;
    private final ConcurrentHashMap<String, Listener> listeners = new ConcurrentHashMap<>();
    private volatile Clock clock;
    private volatile long confirmed = Long.MIN_VALUE;
    private volatile boolean connected;
    private volatile boolean started;

    /**
     * @param heartbeatInterval how often {@link #heartbeat()} is to be called; positive
     */
    protected AbstractBackplane(Duration heartbeatInterval) {
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeatInterval must be positive, not " + heartbeatInterval);
        }
        this.heartbeatInterval = heartbeatInterval;
    }

    /** Connects and subscribes, once, when the first alias subscribes; must not block on an unreachable server. */
    protected abstract void start();

    /** Publishes {@code message} to every process subscribed (this one included: it ignores its own). */
    protected abstract CompletionStage<Void> send(byte[] message);

    /** Publishes {@code message} to this process's subscription alone (ordered after earlier {@link #send}s of anyone). */
    protected abstract CompletionStage<Void> sendToSelf(byte[] message);

    @Override
    public final synchronized void subscribe(BackendContext context, Listener listener) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(listener, "listener");
        if (clock != null && !clock.equals(context.clock())) {
            throw new IllegalStateException("The backplane " + describe() + " already serves a runtime with another clock: "
                    + "give each runtime a backplane of its own");
        }
        if (listeners.putIfAbsent(context.alias(), listener) != null) {
            throw new IllegalStateException("The backplane " + describe() + " already serves a near cache for alias \""
                    + context.alias() + "\": give each runtime a backplane of its own");
        }
        clock = context.clock();
        if (!started) {
            started = true;
            start();
        }
    }

    @Override
    public final CompletionStage<Void> publish(String alias, String key) {
        return send(encode(key == null ? "A" : "I", alias, key == null ? "" : key));
    }

    @Override
    public final long confirmedMillis() {
        return confirmed;
    }

    @Override
    public final Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    @Override
    public boolean connected() {
        return connected;
    }

    /** This process's origin id: 16 hex digits. */
    protected final String origin() {
        return origin;
    }

    /** The subscribers' clock (the runtime's), set by the first {@link #subscribe}; {@code null} before. */
    protected final Clock clock() {
        return clock;
    }

    /** The subscribers' clock time in epoch millis ({@link Long#MIN_VALUE} before the first subscription). */
    protected final long now() {
        Clock c = clock;
        return c == null ? Long.MIN_VALUE : c.millis();
    }

    /** Sends a heartbeat to this process's own subscription; its return proves the subscription up to now. */
    protected final void heartbeat() {
        if (clock == null) {
            return;
        }
        try {
            sendToSelf(encode("H", "", "")).exceptionally(e -> null);
        } catch (RuntimeException e) {
            log.debug("Backplane {} heartbeat not sent: {}", describe(), e.toString());
        }
    }

    /**
     * The transport (re)made the subscription: what was published before may have been missed, so every
     * near copy is dropped, and everything published from {@code sinceMillis} on will be delivered.
     */
    protected final void subscribed(long sinceMillis) {
        boolean wasConnected = connected;
        connected = true;
        listeners.values().forEach(AbstractBackplane::invalidateAll);
        if (sinceMillis > confirmed) {
            confirmed = sinceMillis;
        }
        if (!wasConnected) {
            log.info("Backplane {} subscribed; near copies dropped", describe());
        }
    }

    /** The transport lost the subscription (it reconnects by itself and calls {@link #subscribed} again). */
    protected final void disconnected(Throwable cause) {
        if (connected) {
            connected = false;
            log.warn("Backplane {} disconnected ({}); near copies are served at most until their staleness bound, then bypassed",
                    describe(), cause == null ? "connection closed" : LogText.escape(cause.toString()));
        }
    }

    /** The transport received {@code bytes} on the subscription. Never throws. */
    protected final void received(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] head = text.split("\n", 5);
        int lastLine = text.lastIndexOf('\n');
        if (head.length < 5 || !MAGIC.equals(head[0]) || lastLine < 0) {
            log.warn("Backplane {} dropped a message it cannot read: {}", describe(), LogText.escape(text));
            return;
        }
        String kind = head[1];
        String from = head[2];
        long sentMillis;
        try {
            sentMillis = Long.parseLong(head[3]);
        } catch (NumberFormatException e) {
            log.warn("Backplane {} dropped a message it cannot read: {}", describe(), LogText.escape(text));
            return;
        }
        int aliasStart = head[0].length() + head[1].length() + head[2].length() + head[3].length() + 4;
        String alias = aliasStart <= lastLine ? text.substring(aliasStart, lastLine) : "";
        String key = text.substring(lastLine + 1);
        if (from.equals(origin)) {
            if ("H".equals(kind) && sentMillis > confirmed) {
                confirmed = sentMillis;
            }
            return; // our own invalidations: already applied locally
        }
        Listener listener = listeners.get(alias);
        if (listener == null) {
            return; // another alias, or a heartbeat of another process
        }
        switch (kind) {
            case "I" -> {
                try {
                    listener.onInvalidate(key);
                } catch (RuntimeException e) {
                    log.error("Near cache listener failed for key {}", LogText.escape(key), e);
                }
            }
            case "A" -> invalidateAll(listener);
            default -> log.warn("Backplane {} dropped a message of unknown kind: {}", describe(), LogText.escape(text));
        }
    }

    private static void invalidateAll(Listener listener) {
        try {
            listener.onInvalidateAll();
        } catch (RuntimeException e) {
            log.error("Near cache listener failed to drop its copies", e);
        }
    }

    private byte[] encode(String kind, String alias, String key) {
        long millis = now();
        return (MAGIC + "\n" + kind + "\n" + origin + "\n" + millis + "\n" + alias + "\n" + key).getBytes(StandardCharsets.UTF_8);
    }
}

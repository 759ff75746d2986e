package dev.cacheback.spi;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Carries invalidations between the processes that keep a near (in-process) copy of one remote cache
 * ({@link CacheBackend#tiered}), so that a write in one process makes every other drop its copy.
 *
 * <p>A backplane instance belongs to one process (one runtime): it has an origin id of its own, puts it
 * in everything it publishes and never delivers its own messages back to its listeners. One instance
 * may serve several aliases of that runtime ({@link #subscribe} once per alias).
 *
 * <p>Delivery is at most once (pub/sub); what makes missed messages harmless is {@link #confirmedMillis()}:
 * the backplane proves, by a heartbeat that travels the same path as invalidations, up to when it has
 * delivered everything; the near cache serves its copies only while that proof is recent, and drops
 * them all when the backplane comes back ({@link Listener#onInvalidateAll()}).
 *
 * <p>Implementations are thread-safe, reconnect by themselves, and run their listeners on their client's
 * own threads (which {@link #close()} stops). They never throw from {@link #publish}: a failure is
 * reported through the returned stage.
 */
public interface Backplane extends AutoCloseable {

    /** What a near cache hears from the backplane. Called on the backplane's threads; must not block. */
    interface Listener {

        /** Another process replaced or removed the entry at {@code key}: drop the near copy. */
        void onInvalidate(String key);

        /**
         * Drop every near copy: the backplane (re)subscribed and may have missed messages meanwhile, or
         * another process could not publish some keys.
         */
        void onInvalidateAll();
    }

    /**
     * Starts delivering the invalidations other processes publish for {@code context.alias()} to
     * {@code listener}. The context's clock is the one {@link #confirmedMillis()} is measured on.
     *
     * @throws IllegalStateException when the alias is already subscribed, or another clock was given before
     */
    void subscribe(BackendContext context, Listener listener);

    /**
     * Tells every other process subscribed to {@code alias} to drop {@code key} ({@code null}: every key).
     * Asynchronous: returns at once.
     *
     * @return a stage completed when the message was handed to the server, or completed exceptionally
     *     when it could not be (the backplane is disconnected, closed…)
     */
    CompletionStage<Void> publish(String alias, String key);

    /**
     * The instant (epoch milliseconds on the subscribers' clock) up to which every message another
     * process published before it has been delivered to the listeners: the send time of the last
     * heartbeat that came back through the subscription, or of the last (re)subscription.
     * {@link Long#MIN_VALUE} before the first. Cheap (a volatile read): called on every near read.
     */
    long confirmedMillis();

    /** How often the backplane proves its subscription ({@link #confirmedMillis()} moves on about that often). */
    Duration heartbeatInterval();

    /** Whether the subscription is connected now. */
    boolean connected();

    /**
     * Checks that the backplane's server answers, for health checks: one round trip.
     *
     * @throws CacheBackendException when it does not
     */
    void ping();

    /** A short description for logs and errors, such as {@code redis-backplane://cache-1:6379 channel cacheback:near}; never credentials. */
    String describe();

    /** Stops the subscription, its heartbeats and the client's threads. Idempotent. */
    @Override
    void close();
}

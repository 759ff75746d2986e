package dev.cacheback;

import dev.cacheback.spi.Backplane;

import java.time.Duration;
import java.util.Objects;

/**
 * The settings of a near (in-process) level in front of a remote cache, kept coherent across
 * processes by a {@link Backplane}; give them to {@link dev.cacheback.spi.CacheBackend#tiered}:
 * <pre>{@code
 * CacheBackend tiered = CacheBackend.tiered(RedisCacheBackend.builder(uri).build(), NearCache.builder()
 *         .backplane(RedisBackplane.builder(uri).build())
 *         .maximumSize(10_000)                                  // default 10,000
 *         .maxDisconnectedStaleness(Duration.ofSeconds(2))      // default 2 s
 *         .build());
 * }</pre>
 *
 * <p>What it promises: a near copy replaced or removed by another process is served at most
 * {@link #maxDisconnectedStaleness()} after that process's invalidation reached the backplane's
 * server, whether the backplane is connected, slow or cut off: a process serves its near copies only
 * while its backplane has proved, by a heartbeat returned through its subscription, that it received
 * everything published up to at most that long ago; otherwise it reads the remote cache. When the
 * subscription is made again every near copy is dropped. Writes made through this process drop its
 * own copy at once.
 *
 * <p>Immutable and thread-safe.
 */
public final class NearCache {

    private final long maximumSize;
    private final Backplane backplane;
    private final Duration maxDisconnectedStaleness;
    private final Duration timeToLive;

    private NearCache(Builder b) {
        this.maximumSize = b.maximumSize != null ? b.maximumSize : 10_000L;
        this.backplane = b.backplane;
        this.maxDisconnectedStaleness = b.maxDisconnectedStaleness != null ? b.maxDisconnectedStaleness : Duration.ofSeconds(2);
        this.timeToLive = b.timeToLive != null ? b.timeToLive : Duration.ofMinutes(5);
    }

    /** A builder; {@link Builder#backplane} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The most entries held in process; the least recently used go first. Default 10,000. */
    public long maximumSize() {
        return maximumSize;
    }

    /** The backplane that carries invalidations between processes. */
    public Backplane backplane() {
        return backplane;
    }

    /**
     * How long after a replacing write's invalidation reached the backplane server a near copy may still be
     * served when this process did not hear it (backplane cut, slow or frozen). Default 2 s.
     */
    public Duration maxDisconnectedStaleness() {
        return maxDisconnectedStaleness;
    }

    /** How long a near copy lives at most after it was read from the remote cache. Default 5 minutes. */
    public Duration timeToLive() {
        return timeToLive;
    }

    @Override
    public String toString() {
        return "NearCache{maximumSize=" + maximumSize + ", maxDisconnectedStaleness=" + maxDisconnectedStaleness
                + ", timeToLive=" + timeToLive + ", backplane=" + backplane.describe() + "}";
    }

    /** Builds {@link NearCache} settings. Setting an option twice is an error. Not thread-safe. */
    public static final class Builder {
        private Long maximumSize;
        private Backplane backplane;
        private Duration maxDisconnectedStaleness;
        private Duration timeToLive;

        private Builder() {
        }

        /** The most entries held in process. Default 10,000. @throws IllegalArgumentException unless positive */
        public Builder maximumSize(long maximumSize) {
            Settings.requireUnset(this.maximumSize, "maximumSize");
            if (maximumSize <= 0) {
                throw new IllegalArgumentException("maximumSize must be positive, not " + maximumSize);
            }
            this.maximumSize = maximumSize;
            return this;
        }

        /**
         * The backplane (required): one instance per runtime, such as {@code RedisBackplane} or
         * {@code RabbitBackplane}. The near cache subscribes it when the runtime opens the cache and
         * closes it when the runtime closes.
         */
        public Builder backplane(Backplane backplane) {
            Settings.requireUnset(this.backplane, "backplane");
            this.backplane = Objects.requireNonNull(backplane, "backplane");
            return this;
        }

        /**
         * The staleness bound (see {@link NearCache}). Default 2 s. It must be at least twice the
         * backplane's heartbeat interval, or the near level would be bypassed between heartbeats.
         */
        public Builder maxDisconnectedStaleness(Duration staleness) {
            Settings.requireUnset(this.maxDisconnectedStaleness, "maxDisconnectedStaleness");
            this.maxDisconnectedStaleness = Settings.requirePositive(staleness, "maxDisconnectedStaleness");
            return this;
        }

        /** How long a near copy lives at most after it was read from the remote cache. Default 5 minutes. */
        public Builder timeToLive(Duration timeToLive) {
            Settings.requireUnset(this.timeToLive, "timeToLive");
            this.timeToLive = Settings.requirePositive(timeToLive, "timeToLive");
            return this;
        }

        /**
         * @throws IllegalStateException when no backplane was given
         */
        public NearCache build() {
            if (backplane == null) {
                throw new IllegalStateException("A near cache needs a backplane to stay coherent across processes: "
                        + "NearCache.builder().backplane(RedisBackplane.builder(uri).build()) (or RabbitBackplane)");
            }
            return new NearCache(this);
        }
    }
}

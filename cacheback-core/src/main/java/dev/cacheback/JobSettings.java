package dev.cacheback;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of one job instance: the seed's class attributes, given to a job's constructor.
 *
 * <p>Every setting has the seed's default (DESIGN.md S17). A job class may also override the
 * matching method of {@link Job} ({@link Job#lifetime()}, …) to fix a setting for all its instances;
 * the override wins over these settings.
 *
 * <p>Immutable. Build with {@link #builder()}; setting an option twice is an error.
 */
public final class JobSettings {

    /** Default {@link #lifetime()}: 600 seconds. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(600);
    /** Default {@link #refreshTimeout()}: 60 seconds. */
    public static final Duration DEFAULT_REFRESH_TIMEOUT = Duration.ofSeconds(60);
    /** Default {@link #cacheTtl()}: 2,592,000 seconds (30 days). */
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(2_592_000);
    /** Default {@link #earlyRefreshBeta()}: 1, XFetch's choice (0 turns early refresh off). */
    public static final double DEFAULT_EARLY_REFRESH_BETA = 1.0;

    private static final JobSettings DEFAULTS = builder().build();

    private final String name;
    private final Duration lifetime;
    private final Duration refreshTimeout;
    private final Duration cacheTtl;
    private final String cacheAlias;
    private final boolean fetchOnMiss;
    private final Duration fetchOnStaleThreshold;
    private final TaskOptions taskOptions;
    private final Duration failSafeMaxStaleness;
    private final Duration softFetchTimeout;
    private final Duration hardFetchTimeout;
    private final int sourceBreakerFailures;
    private final Duration sourceBreakerWindow;
    private final Duration refreshBackoffInitial;
    private final Duration refreshBackoffMax;
    private final double earlyRefreshBeta;
    private final double refreshAhead;

    private JobSettings(Builder b) {
        this.name = b.name;
        this.lifetime = b.lifetime != null ? b.lifetime : DEFAULT_LIFETIME;
        this.refreshTimeout = b.refreshTimeout != null ? b.refreshTimeout : DEFAULT_REFRESH_TIMEOUT;
        this.cacheTtl = b.cacheTtl != null ? b.cacheTtl : DEFAULT_CACHE_TTL;
        this.cacheAlias = b.cacheAlias;
        this.fetchOnMiss = b.fetchOnMiss != null ? b.fetchOnMiss : true;
        this.fetchOnStaleThreshold = b.fetchOnStaleThreshold;
        this.taskOptions = b.taskOptions != null ? b.taskOptions : TaskOptions.none();
        this.failSafeMaxStaleness = b.failSafeMaxStaleness;
        this.softFetchTimeout = b.softFetchTimeout;
        this.hardFetchTimeout = b.hardFetchTimeout;
        this.sourceBreakerFailures = b.sourceBreakerFailures != null ? b.sourceBreakerFailures : 0;
        this.sourceBreakerWindow = b.sourceBreakerWindow;
        this.refreshBackoffInitial = b.refreshBackoffInitial;
        this.refreshBackoffMax = b.refreshBackoffMax;
        this.earlyRefreshBeta = b.earlyRefreshBeta != null ? b.earlyRefreshBeta : DEFAULT_EARLY_REFRESH_BETA;
        this.refreshAhead = b.refreshAhead != null ? b.refreshAhead : 0;
    }

    /**
     * A copy of these settings with {@code name} as the job's name.
     *
     * @throws IllegalArgumentException when the name is not usable in keys
     */
    public JobSettings withName(String name) {
        Builder b = new Builder();
        b.name = Job.validateName(name);
        b.lifetime = lifetime;
        b.refreshTimeout = refreshTimeout;
        b.cacheTtl = cacheTtl;
        b.cacheAlias = cacheAlias;
        b.fetchOnMiss = fetchOnMiss;
        b.fetchOnStaleThreshold = fetchOnStaleThreshold;
        b.taskOptions = taskOptions;
        b.failSafeMaxStaleness = failSafeMaxStaleness;
        b.softFetchTimeout = softFetchTimeout;
        b.hardFetchTimeout = hardFetchTimeout;
        b.sourceBreakerFailures = sourceBreakerFailures == 0 ? null : sourceBreakerFailures;
        b.sourceBreakerWindow = sourceBreakerWindow;
        b.refreshBackoffInitial = refreshBackoffInitial;
        b.refreshBackoffMax = refreshBackoffMax;
        b.earlyRefreshBeta = earlyRefreshBeta;
        b.refreshAhead = refreshAhead == 0 ? null : refreshAhead;
        return new JobSettings(b);
    }

    /** Every setting at its default. */
    public static JobSettings defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The job's name, when set; otherwise the job uses its class's name. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** How long fetched data stays fresh. Default 600 s. */
    public Duration lifetime() {
        return lifetime;
    }

    /** How long one refresh may take before another is tried. Default 60 s. */
    public Duration refreshTimeout() {
        return refreshTimeout;
    }

    /** How long the backend keeps an entry, fresh or stale, before it is a miss. Default 30 days. */
    public Duration cacheTtl() {
        return cacheTtl;
    }

    /** The named cache, or {@code null} for the runtime's default alias. */
    public String cacheAlias() {
        return cacheAlias;
    }

    /** Whether a miss fetches in the caller's thread. Default {@code true}. */
    public boolean fetchOnMiss() {
        return fetchOnMiss;
    }

    /** How stale (measured from the fetch) data may be before a read refreshes it synchronously; {@code null} for never. */
    public Duration fetchOnStaleThreshold() {
        return fetchOnStaleThreshold;
    }

    /** Options handed to the refresh queue. Default {@link TaskOptions#none()}. */
    public TaskOptions taskOptions() {
        return taskOptions;
    }

    /**
     * Stale-if-error: how long past its expiry stale data may still answer a read whose synchronous
     * refresh failed; {@code null} (the default) for never, the seed's behaviour (the failure reaches
     * the caller).
     */
    public Duration failSafeMaxStaleness() {
        return failSafeMaxStaleness;
    }

    /** How long a read with stale data waits for its synchronous refresh; {@code null} (the default) for as long as it takes. */
    public Duration softFetchTimeout() {
        return softFetchTimeout;
    }

    /** How long a read waits for its synchronous fetch before failing; {@code null} (the default) for as long as it takes. */
    public Duration hardFetchTimeout() {
        return hardFetchTimeout;
    }

    /** Consecutive failed fetches that open the job's source breaker; 0 (the default) for no breaker. */
    public int sourceBreakerFailures() {
        return sourceBreakerFailures;
    }

    /** How long the source breaker stays open before a probe; {@code null} when there is no breaker. */
    public Duration sourceBreakerWindow() {
        return sourceBreakerWindow;
    }

    /** The per-key backoff after a first failed refresh; {@code null} (the default) for none. */
    public Duration refreshBackoffInitial() {
        return refreshBackoffInitial;
    }

    /** The longest per-key backoff; {@code null} when there is none. */
    public Duration refreshBackoffMax() {
        return refreshBackoffMax;
    }

    /** XFetch's β for early refresh on a hit: default {@value #DEFAULT_EARLY_REFRESH_BETA}; 0 means off. */
    public double earlyRefreshBeta() {
        return earlyRefreshBeta;
    }

    /** The last fraction of its lifetime in which a hit refreshes the entry early; 0 (the default) for off. */
    public double refreshAhead() {
        return refreshAhead;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JobSettings s && Objects.equals(name, s.name) && lifetime.equals(s.lifetime)
                && refreshTimeout.equals(s.refreshTimeout) && cacheTtl.equals(s.cacheTtl)
                && Objects.equals(cacheAlias, s.cacheAlias) && fetchOnMiss == s.fetchOnMiss
                && Objects.equals(fetchOnStaleThreshold, s.fetchOnStaleThreshold) && taskOptions.equals(s.taskOptions)
                && Objects.equals(failSafeMaxStaleness, s.failSafeMaxStaleness)
                && Objects.equals(softFetchTimeout, s.softFetchTimeout) && Objects.equals(hardFetchTimeout, s.hardFetchTimeout)
                && sourceBreakerFailures == s.sourceBreakerFailures && Objects.equals(sourceBreakerWindow, s.sourceBreakerWindow)
                && Objects.equals(refreshBackoffInitial, s.refreshBackoffInitial) && Objects.equals(refreshBackoffMax, s.refreshBackoffMax)
                && earlyRefreshBeta == s.earlyRefreshBeta && refreshAhead == s.refreshAhead;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, lifetime, refreshTimeout, cacheTtl, cacheAlias, fetchOnMiss, fetchOnStaleThreshold, taskOptions,
                failSafeMaxStaleness, softFetchTimeout, hardFetchTimeout, sourceBreakerFailures, sourceBreakerWindow,
                refreshBackoffInitial, refreshBackoffMax, earlyRefreshBeta, refreshAhead);
    }

    @Override
    public String toString() {
        return "JobSettings[name=" + name + ", lifetime=" + lifetime + ", refreshTimeout=" + refreshTimeout
                + ", cacheTtl=" + cacheTtl + ", cacheAlias=" + cacheAlias + ", fetchOnMiss=" + fetchOnMiss
                + ", fetchOnStaleThreshold=" + fetchOnStaleThreshold + ", taskOptions=" + taskOptions + ", failSafeMaxStaleness=" + failSafeMaxStaleness
                + ", softFetchTimeout=" + softFetchTimeout + ", hardFetchTimeout=" + hardFetchTimeout
                + ", sourceBreakerFailures=" + sourceBreakerFailures + ", sourceBreakerWindow=" + sourceBreakerWindow
                + ", refreshBackoff=" + refreshBackoffInitial + ".." + refreshBackoffMax
                + ", earlyRefreshBeta=" + earlyRefreshBeta + ", refreshAhead=" + refreshAhead + "]";
    }

    /** Builds {@link JobSettings}. Setting an option twice is an error. Not thread-safe. */
    public static final class Builder {
        private String name;
        private Duration lifetime;
        private Duration refreshTimeout;
        private Duration cacheTtl;
        private String cacheAlias;
        private Boolean fetchOnMiss;
        private Duration fetchOnStaleThreshold;
        private TaskOptions taskOptions;
        private Duration failSafeMaxStaleness;
        private Duration softFetchTimeout;
        private Duration hardFetchTimeout;
        private Integer sourceBreakerFailures;
        private Duration sourceBreakerWindow;
        private Duration refreshBackoffInitial;
        private Duration refreshBackoffMax;
        private Double earlyRefreshBeta;
        private Double refreshAhead;

        private Builder() {
        }

        /**
         * The job's name: the first part of its keys and how workers find it. Default: the job's
         * class name. Printable ASCII without spaces, at most 200 characters.
         */
        public Builder name(String name) {
            Settings.requireUnset(this.name, "name");
            this.name = Job.validateName(name);
            return this;
        }

        /** How long fetched data stays fresh. Default 600 s. */
        public Builder lifetime(Duration lifetime) {
            Settings.requireUnset(this.lifetime, "lifetime");
            this.lifetime = Settings.requirePositive(lifetime, "lifetime");
            return this;
        }

        /** How long one refresh may take before another is tried. Default 60 s. */
        public Builder refreshTimeout(Duration refreshTimeout) {
            Settings.requireUnset(this.refreshTimeout, "refreshTimeout");
            this.refreshTimeout = Settings.requirePositive(refreshTimeout, "refreshTimeout");
            return this;
        }

        /** How long the backend keeps an entry before it disappears. Default 30 days. */
        public Builder cacheTtl(Duration cacheTtl) {
            Settings.requireUnset(this.cacheTtl, "cacheTtl");
            this.cacheTtl = Settings.requirePositive(cacheTtl, "cacheTtl");
            return this;
        }

        /** The named cache to use. Default: the runtime's default alias. */
        public Builder cacheAlias(String cacheAlias) {
            Settings.requireUnset(this.cacheAlias, "cacheAlias");
            this.cacheAlias = Objects.requireNonNull(cacheAlias, "cacheAlias");
            return this;
        }

        /** Whether a miss fetches in the caller's thread ({@code true}, the default) or returns {@code empty()} and refreshes asynchronously. */
        public Builder fetchOnMiss(boolean fetchOnMiss) {
            Settings.requireUnset(this.fetchOnMiss, "fetchOnMiss");
            this.fetchOnMiss = fetchOnMiss;
            return this;
        }

        /**
         * Data older than this (counted from when it was fetched) is refreshed synchronously by the
         * read that finds it, instead of served stale. Default: never.
         */
        public Builder fetchOnStaleThreshold(Duration threshold) {
            Settings.requireUnset(this.fetchOnStaleThreshold, "fetchOnStaleThreshold");
            this.fetchOnStaleThreshold = Settings.requirePositive(threshold, "fetchOnStaleThreshold");
            return this;
        }

        /** Options handed to the refresh queue. Default none. */
        public Builder taskOptions(TaskOptions taskOptions) {
            Settings.requireUnset(this.taskOptions, "taskOptions");
            this.taskOptions = Objects.requireNonNull(taskOptions, "taskOptions");
            return this;
        }

        /**
         * Stale-if-error (RFC 5861's {@code stale-if-error}, FusionCache's fail-safe): when a read's
         * synchronous refresh of stale data fails (data older than {@link #fetchOnStaleThreshold}), the
         * read answers the stale data ({@code STALE}) instead of the failure, as long as the data went
         * stale at most this long ago. The failure is reported to the listener
         * ({@link CachebackListener#onFailSafe}) and logged at most once per error-log interval per job.
         * Default: unset, the seed's behaviour (the failure reaches the caller).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder failSafeMaxStaleness(Duration maxStaleness) {
            Settings.requireUnset(this.failSafeMaxStaleness, "failSafeMaxStaleness");
            this.failSafeMaxStaleness = Settings.requirePositive(maxStaleness, "failSafeMaxStaleness");
            return this;
        }

        /**
         * When a read has stale data and refreshes synchronously (data older than
         * {@link #fetchOnStaleThreshold}), it waits at most this long for the fetch, then answers the
         * stale data ({@code STALE}); the fetch goes on in the runtime's
         * {@linkplain Cacheback.Builder#fetchExecutor fetch executor} and stores its result unless the
         * entry was replaced meanwhile (DESIGN.md F2). Measured in real time, as a wait (not an expiry).
         * Default: unset, the read waits as long as the fetch takes (the seed's behaviour).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder softFetchTimeout(Duration timeout) {
            Settings.requireUnset(this.softFetchTimeout, "softFetchTimeout");
            this.softFetchTimeout = Settings.requirePositive(timeout, "softFetchTimeout");
            return this;
        }

        /**
         * A read that fetches synchronously (a miss, or a too-stale read without a shorter
         * {@link #softFetchTimeout}) waits at most this long, then throws {@link FetchTimeoutException}
         * naming the job, the key and the timeout (or, for stale data within
         * {@link #failSafeMaxStaleness}, answers the stale data). The fetch is not interrupted: it goes
         * on in the runtime's {@linkplain Cacheback.Builder#fetchExecutor fetch executor} and stores its
         * result unless the entry was replaced meanwhile (DESIGN.md F2), so the next read finds it;
         * concurrent readers of the key keep sharing that one fetch. Measured in real time, as a wait.
         * Default: unset, the read waits as long as the fetch takes (the seed's behaviour).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder hardFetchTimeout(Duration timeout) {
            Settings.requireUnset(this.hardFetchTimeout, "hardFetchTimeout");
            this.hardFetchTimeout = Settings.requirePositive(timeout, "hardFetchTimeout");
            return this;
        }

        /**
         * A breaker on the job's source, per runtime: after {@code consecutiveFailures} fetches in a row
         * fail (in any thread of this process: reads, workers, {@code refresh}), the job stops calling
         * {@code fetch} for {@code window}. Meanwhile a read with stale data answers it ({@code STALE}),
         * a miss throws {@link SourceUnavailableException} naming the job and the breaker's state, and
         * a worker skips its task (the entry goes stale again after its refresh timeout, and a later
         * read enqueues anew). After the window one fetch goes through as a probe: success closes the
         * breaker, failure opens it for another window. State changes go to
         * {@link CachebackListener#onSourceState} and are logged once each. Jobs of the same name in one
         * runtime share one breaker (the first one made sets its numbers). Default: no breaker.
         *
         * @throws IllegalArgumentException when {@code consecutiveFailures} is below 1 or the window not positive
         */
        public Builder sourceBreaker(int consecutiveFailures, Duration window) {
            Settings.requireUnset(this.sourceBreakerFailures, "sourceBreaker");
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException("sourceBreaker needs at least 1 consecutive failure, not " + consecutiveFailures);
            }
            this.sourceBreakerWindow = Settings.requirePositive(window, "sourceBreaker window");
            this.sourceBreakerFailures = consecutiveFailures;
            return this;
        }

        /**
         * Per-key backoff: when a worker's refresh of a key fails, the key's entry is re-stored (fenced
         * on the version the refresh started from) to go stale again after a backoff instead of after
         * {@link #refreshTimeout}: {@code initial} after the first failure, doubled after each further
         * one, jittered by ±20 %, at most {@code max}. The count of failures in a row travels in the
         * entry, so every process agrees; a refresh that succeeds stores a fresh entry and so resets
         * it. Meanwhile readers get the old data as fresh ({@code HIT}), as after a stale read's mark.
         * The failed task is acknowledged rather than retried by the queue's retry policy: the key's
         * backoff decides the next try. Default: none (the seed's behaviour: the entry goes stale again
         * after {@code refreshTimeout}, and the queue retries the task by its policy).
         *
         * @throws IllegalArgumentException when a duration is not positive or {@code max < initial}
         */
        public Builder refreshBackoff(Duration initial, Duration max) {
            Settings.requireUnset(this.refreshBackoffInitial, "refreshBackoff");
            Settings.requirePositive(initial, "refreshBackoff initial");
            Settings.requirePositive(max, "refreshBackoff max");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("refreshBackoff max (" + max + ") must not be below its initial backoff (" + initial + ")");
            }
            this.refreshBackoffInitial = initial;
            this.refreshBackoffMax = max;
            return this;
        }

        /**
         * Early refresh by XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): a hit on fresh data
         * refreshes it in the background when {@code now − δ·β·ln(U) ≥ expiry}, with δ the duration of
         * the fetch that produced the data (kept in the entry) and U uniform in (0, 1]; so the entry is
         * usually refreshed just before it goes stale, by one reader, without coordination. The key's
         * lease keeps it to one refresh per key across processes; the hit still answers the cached
         * data ({@code HIT}). Entries whose fetch time is unknown (written by {@code set}, or by an
         * older version) are not refreshed early. Default {@value JobSettings#DEFAULT_EARLY_REFRESH_BETA}, the
         * paper's choice: about one early refresh per key per lifetime, just before it would go stale;
         * larger values refresh earlier, 0 turns it off (then a hit only checks the expiry).
         *
         * @throws IllegalArgumentException when negative or not finite
         */
        public Builder earlyRefreshBeta(double beta) {
            Settings.requireUnset(this.earlyRefreshBeta, "earlyRefreshBeta");
            if (!(beta >= 0) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("earlyRefreshBeta must be 0 or more (1 is XFetch's choice), not " + beta);
            }
            this.earlyRefreshBeta = beta;
            return this;
        }

        /**
         * Deterministic early refresh: a hit in the last {@code fraction} of the data's lifetime
         * refreshes it in the background (one refresh per key across processes, by the key's lease);
         * the hit still answers the cached data. For example 0.1 with a 10-minute lifetime refreshes
         * on the first read in the last minute. Default 0: off.
         *
         * @throws IllegalArgumentException unless {@code 0 ≤ fraction < 1}
         */
        public Builder refreshAhead(double fraction) {
            Settings.requireUnset(this.refreshAhead, "refreshAhead");
            if (!(fraction >= 0 && fraction < 1)) {
                throw new IllegalArgumentException("refreshAhead must be a fraction of the lifetime from 0 to below 1, not " + fraction);
            }
            this.refreshAhead = fraction;
            return this;
        }

        public JobSettings build() {
            return new JobSettings(this);
        }
    }
}

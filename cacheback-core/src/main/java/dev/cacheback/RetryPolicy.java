package dev.cacheback;

import java.time.Duration;
import java.util.Objects;

/**
 * What a worker does with a refresh task that failed (DESIGN.md F3): try it again after a backoff
 * that grows exponentially with each attempt, with jitter, up to a cap, and dead-letter it with its
 * reason once it has been tried {@link #maxAttempts()} times. The same policy, with the same defaults,
 * serves every queue: in-process, Redis Streams, RabbitMQ and the test kit's manual queue.
 *
 * <p>The backoff before attempt {@code n + 1} (after {@code n} failed attempts) is
 * {@code min(maxBackoff, initialBackoff × multiplier^(n-1))}, scaled by a random factor in
 * {@code [1 − jitter, 1 + jitter]}, and never more than {@code maxBackoff}.
 *
 * <p>Defaults: 5 attempts, 1 s initial backoff, multiplier 2, 5 min cap, jitter 0.2 — so the tries
 * of a task that keeps failing fall about 1, 2, 4 and 8 s apart and it is dead-lettered after ~15 s
 * of backoff. Tasks that cannot succeed (unknown job, unreadable arguments, malformed bytes) are
 * dead-lettered at once, whatever the policy.
 *
 * <p>Immutable and thread-safe.
 */
public final class RetryPolicy {

    private static final RetryPolicy DEFAULTS = builder().build();

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final double multiplier;
    private final double jitter;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts != null ? b.maxAttempts : 5;
        this.initialBackoff = b.initialBackoff != null ? b.initialBackoff : Duration.ofSeconds(1);
        this.maxBackoff = b.maxBackoff != null ? b.maxBackoff : Duration.ofMinutes(5);
        this.multiplier = b.multiplier != null ? b.multiplier : 2.0;
        this.jitter = b.jitter != null ? b.jitter : 0.2;
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff (" + maxBackoff + ") must not be shorter than initialBackoff ("
                    + initialBackoff + ")");
        }
    }

    /** The defaults: 5 attempts, 1 s, ×2, capped at 5 min, jitter 0.2. */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How many times a task is tried in all before it is dead-lettered. Default 5; 1 means never retried. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The backoff after the first failure. Default 1 s. */
    public Duration initialBackoff() {
        return initialBackoff;
    }

    /** The longest backoff. Default 5 min. */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** How much each backoff grows over the one before. Default 2. */
    public double multiplier() {
        return multiplier;
    }

    /** The jitter fraction: each backoff is scaled by a factor in {@code [1 − jitter, 1 + jitter]}. Default 0.2. */
    public double jitter() {
        return jitter;
    }

    /** Whether a task that failed on attempt {@code attempt} (1 for the first) is tried again. */
    public boolean shouldRetry(int attempt) {
        return attempt < maxAttempts;
    }

    /**
     * The backoff after attempt {@code attempt} (1 for the first) failed.
     *
     * @param random a number in {@code [0, 1)} choosing the jitter: 0.5 gives the backoff without
     *               jitter; the worker passes a uniformly random one
     */
    public Duration backoff(int attempt, double random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, not " + attempt);
        }
        double base = initialBackoff.toMillis() * Math.pow(multiplier, attempt - 1);
        double capped = Math.min(base, maxBackoff.toMillis());
        double factor = 1 + jitter * (2 * random - 1);
        long millis = (long) Math.min(capped * factor, maxBackoff.toMillis());
        return Duration.ofMillis(Math.max(1, millis));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryPolicy p && maxAttempts == p.maxAttempts && initialBackoff.equals(p.initialBackoff)
                && maxBackoff.equals(p.maxBackoff) && multiplier == p.multiplier && jitter == p.jitter;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter);
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff + ", maxBackoff="
                + maxBackoff + ", multiplier=" + multiplier + ", jitter=" + jitter + "]";
    }

    /** Builds a {@link RetryPolicy}; setting an option twice is an error. Not thread-safe. */
    public static final class Builder {
        private Integer maxAttempts;
        private Duration initialBackoff;
        private Duration maxBackoff;
        private Double multiplier;
        private Double jitter;

        private Builder() {
        }

        /** Tries in all, at least 1. Default 5. */
        public Builder maxAttempts(int maxAttempts) {
            Settings.requireUnset(this.maxAttempts, "maxAttempts");
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, not " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The first backoff, positive. Default 1 s. */
        public Builder initialBackoff(Duration initialBackoff) {
            Settings.requireUnset(this.initialBackoff, "initialBackoff");
            this.initialBackoff = Settings.requirePositive(initialBackoff, "initialBackoff");
            return this;
        }

        /** The cap, positive and not shorter than the initial backoff. Default 5 min. */
        public Builder maxBackoff(Duration maxBackoff) {
            Settings.requireUnset(this.maxBackoff, "maxBackoff");
            this.maxBackoff = Settings.requirePositive(maxBackoff, "maxBackoff");
            return this;
        }

        /** Growth per attempt, at least 1. Default 2. */
        public Builder multiplier(double multiplier) {
            Settings.requireUnset(this.multiplier, "multiplier");
            if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
                throw new IllegalArgumentException("multiplier must be a finite number of at least 1, not " + multiplier);
            }
            this.multiplier = multiplier;
            return this;
        }

        /** Jitter fraction from 0 (none) to 1. Default 0.2. */
        public Builder jitter(double jitter) {
            Settings.requireUnset(this.jitter, "jitter");
            if (!(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("jitter must be from 0 to 1, not " + jitter);
            }
            this.jitter = jitter;
            return this;
        }

        public RetryPolicy build() {
            return new RetryPolicy(this);
        }
    }
}

package dev.cacheback.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that moves only when told: the role {@code freezegun} plays for the seed's tests. Give it
 * to {@code Cacheback.builder().clock(...)}, then {@link #advance} past a lifetime instead of
 * sleeping. Thread-safe.
 */
public final class TestClock extends Clock {

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    private TestClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** A clock at 2030-01-01T00:00:00Z. */
    public TestClock() {
        this(Instant.parse("2030-01-01T00:00:00Z"));
    }

    /** A clock at {@code start}. */
    public TestClock(Instant start) {
        this(new AtomicReference<>(Objects.requireNonNull(start, "start")), ZoneOffset.UTC);
    }

    /** Moves the clock forward (or back, for a negative amount). */
    public TestClock advance(Duration amount) {
        now.accumulateAndGet(null, (current, ignored) -> current.plus(amount));
        return this;
    }

    /** Sets the clock. */
    public TestClock set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant"));
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return new TestClock(now, zone);
    }

    @Override
    public String toString() {
        return "TestClock[" + now.get() + "]";
    }
}

package dev.cacheback.benchmarks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock plus an offset the harness can move forward: makes an entry stale without
 * waiting for its lifetime, while every other time stays real.
 */
final class OffsetClock extends Clock {

    private volatile long offsetNanos;

    void advance(Duration by) {
        offsetNanos += by.toNanos();
    }

    @Override
    public Instant instant() {
        return Clock.systemUTC().instant().plusNanos(offsetNanos);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("UTC only");
    }
}

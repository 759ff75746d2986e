package dev.cacheback.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Why the in-memory backend's read costs what it costs: raw Caffeine configured step by step the way
 * {@code InMemoryCacheBackend} configures it (size bound, per-entry deadline expiry, a ticker read
 * from the runtime's {@code Clock}, maintenance in the caller's thread), and the candidate: a size bound
 * only, with the entry's deadline checked on read against the clock.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CaffeineConfigBenchmark {

    private static final int MASK = Values.KEY_COUNT - 1;

    /** Which configuration. */
    @Param({"size", "size+expireAfterWrite", "size+variableExpiry", "size+variableExpiry+clockTicker", "backendConfig",
            "size+deadlineCheckedOnRead"})
    public String config;

    private Cache<String, Object> cache;
    private Clock clock;
    private boolean checkDeadline;
    private String[] keys;

    private record Timed(Object value, long deadlineNanos) {
    }

    @State(Scope.Thread)
    public static class Cursor {
        int next;

        @Setup
        public void start() {
            next = (int) (Thread.currentThread().getId() * 7919);
        }

        int index() {
            return next++ & MASK;
        }
    }

    @Setup
    public void setUp() {
        keys = Values.keys(Values.KEY_COUNT);
        clock = Clock.systemUTC();
        checkDeadline = config.equals("size+deadlineCheckedOnRead");
        Ticker clockTicker = () -> nanos(clock.instant());
        Caffeine<Object, Object> b = Caffeine.newBuilder().maximumSize(4L * Values.KEY_COUNT);
        switch (config) {
            case "size", "size+deadlineCheckedOnRead" -> { }
            case "size+expireAfterWrite" -> b.expireAfterWrite(30, TimeUnit.DAYS);
            case "size+variableExpiry" -> b.expireAfter(new DeadlineExpiry());
            case "size+variableExpiry+clockTicker" -> b.expireAfter(new DeadlineExpiry()).ticker(clockTicker);
            case "backendConfig" -> b.expireAfter(new DeadlineExpiry()).ticker(clockTicker).executor(Runnable::run);
            default -> throw new IllegalArgumentException(config);
        }
        cache = b.build();
        Ticker ticker = config.contains("lock") || config.equals("backendConfig") || checkDeadline ? clockTicker
                : Ticker.systemTicker();
        long deadline = ticker.read() + TimeUnit.DAYS.toNanos(30);
        for (String k : keys) {
            cache.put(k, new Timed(Values.valueFor(k), deadline));
        }
    }

    @Benchmark
    public Object getIfPresent(Cursor c) {
        Object value = cache.getIfPresent(keys[c.index()]);
        if (checkDeadline && value instanceof Timed t && t.deadlineNanos() - nanos(clock.instant()) <= 0) {
            return null;
        }
        return value;
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static final class DeadlineExpiry implements Expiry<Object, Object> {
        @Override
        public long expireAfterCreate(Object key, Object value, long currentTime) {
            return value instanceof Timed t ? Math.max(0, t.deadlineNanos() - currentTime) : Long.MAX_VALUE;
        }

        @Override
        public long expireAfterUpdate(Object key, Object value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(Object key, Object value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}

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
import java.util.concurrent.TimeUnit;

/**
 * Why the in-memory backend's read costs what it costs: raw Caffeine configured step by step.
 * {@code backendConfig} is configured as {@code InMemoryCacheBackend} is now (a size bound, maintenance
 * in the caller's thread, the entry's deadline in epoch milliseconds checked on read against the
 * runtime's {@code Clock}); {@code previousDesign} is how it was before (per-entry variable expiry
 * with a ticker read from the {@code Clock}), kept for comparison.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CaffeineConfigBenchmark {

    private static final int MASK = Values.KEY_COUNT - 1;

    /** Which configuration. */
    @Param({"size", "size+expireAfterWrite", "previousDesign", "backendConfig"})
    public String config;

    private Cache<String, Object> cache;
    private Clock clock;
    private boolean checkDeadline;
    private String[] keys;

    /** A value and its deadline: epoch milliseconds on {@link #clock}. */
    private record Timed(Object value, long deadlineMillis) {
    }

    @Setup
    public void setUp() {
        keys = Values.keys(Values.KEY_COUNT);
        clock = Clock.systemUTC();
        checkDeadline = config.equals("backendConfig");
        Ticker clockTicker = () -> clock.millis() * 1_000_000L;
        Caffeine<Object, Object> b = Caffeine.newBuilder().maximumSize(4L * Values.KEY_COUNT);
        switch (config) {
            case "size" -> { }
            case "size+expireAfterWrite" -> b.expireAfterWrite(30, TimeUnit.DAYS);
            case "previousDesign" -> b.expireAfter(new DeadlineExpiry()).ticker(clockTicker).executor(Runnable::run);
            case "backendConfig" -> b.executor(Runnable::run);
            default -> throw new IllegalArgumentException(config);
        }
        cache = b.build();
        long deadline = clock.millis() + TimeUnit.DAYS.toMillis(30);
        for (String k : keys) {
            cache.put(k, new Timed(Values.valueFor(k), deadline));
        }
    }

    @Benchmark
    public Object getIfPresent(Cursor c) {
        Object value = cache.getIfPresent(keys[c.index(MASK)]);
        if (checkDeadline && value instanceof Timed t && t.deadlineMillis() <= clock.millis()) {
            return null;
        }
        return value;
    }

    private static final class DeadlineExpiry implements Expiry<Object, Object> {
        @Override
        public long expireAfterCreate(Object key, Object value, long currentTime) {
            return value instanceof Timed t ? Math.max(0, t.deadlineMillis() * 1_000_000L - currentTime) : Long.MAX_VALUE;
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

package dev.cacheback.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.cacheback.CacheEntry;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.EntryCodec;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The in-memory backend: two Caffeine caches (entries, bounded; leases) whose time is the runtime's
 * clock, so that a test's clock moves their time to live too. Maintenance runs in the calling
 * thread: no pool of Caffeine's own.
 */
public final class InMemoryCacheBackend implements CacheBackend {

    private final long maximumSize;
    private final boolean storeCopies;
    private volatile Cache<String, Timed> entries;
    private volatile Cache<String, Timed> leases;
    private volatile Clock clock;
    private String alias = "?";

    public InMemoryCacheBackend(long maximumSize, boolean storeCopies) {
        if (maximumSize <= 0) {
            throw new IllegalArgumentException("maximumSize must be positive, not " + maximumSize);
        }
        this.maximumSize = maximumSize;
        this.storeCopies = storeCopies;
    }

    /** A value and the nano-time (on the clock's scale) at which the store may forget it. */
    private record Timed(Object value, long deadlineNanos) {
    }

    @Override
    public synchronized void open(BackendContext context) {
        if (clock != null) {
            throw new IllegalStateException("This in-memory backend is already opened (as cache \"" + alias
                    + "\"); create one backend per runtime and alias");
        }
        Clock c = context.clock();
        Ticker ticker = () -> nanos(c.instant());
        this.alias = context.alias();
        this.entries = Caffeine.newBuilder().maximumSize(maximumSize).ticker(ticker).executor(Runnable::run)
                .expireAfter(new DeadlineExpiry()).build();
        this.leases = Caffeine.newBuilder().ticker(ticker).executor(Runnable::run)
                .expireAfter(new DeadlineExpiry()).build();
        this.clock = c;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> CacheEntry<V> get(String key, EntryCodec<V> codec) {
        Timed timed = entries().getIfPresent(key);
        if (timed == null) {
            return null;
        }
        return storeCopies ? codec.decode((byte[]) timed.value()) : (CacheEntry<V>) timed.value();
    }

    @Override
    public <V> Map<String, CacheEntry<V>> getAll(Collection<String> keys, EntryCodec<V> codec) {
        Map<String, CacheEntry<V>> found = new LinkedHashMap<>();
        for (String key : keys) {
            CacheEntry<V> entry = get(key, codec);
            if (entry != null) {
                found.put(key, entry);
            }
        }
        return found;
    }

    @Override
    public <V> void set(String key, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        Object value = storeCopies ? codec.encode(entry) : entry;
        entries().put(key, new Timed(value, deadline(ttl)));
    }

    @Override
    public void delete(String key) {
        entries().invalidate(key);
    }

    @Override
    public boolean tryLease(String key, Duration ttl) {
        Timed mine = new Timed(Boolean.TRUE, deadline(ttl));
        // asMap().putIfAbsent treats an expired lease as absent: atomic take-if-free
        return leases().asMap().putIfAbsent(key, mine) == null;
    }

    @Override
    public void releaseLease(String key) {
        leases().invalidate(key);
    }

    @Override
    public String describe() {
        return "in-memory" + (storeCopies ? " (copies)" : "");
    }

    @Override
    public void close() {
        Cache<String, Timed> e = entries;
        if (e != null) {
            e.invalidateAll();
            leases.invalidateAll();
        }
    }

    private Cache<String, Timed> entries() {
        Cache<String, Timed> e = entries;
        if (e == null) {
            throw new IllegalStateException("The in-memory backend is not opened: give it to Cacheback.builder().cache(...)");
        }
        return e;
    }

    private Cache<String, Timed> leases() {
        entries();
        return leases;
    }

    private long deadline(Duration ttl) {
        return saturatedAdd(nanos(clock.instant()), saturatedNanos(ttl));
    }

    private static long nanos(Instant instant) {
        return saturatedAdd(saturatedMultiply(instant.getEpochSecond()), instant.getNano());
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long saturatedMultiply(long seconds) {
        long r = seconds * 1_000_000_000L;
        return (seconds != 0 && r / seconds != 1_000_000_000L) ? (seconds > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : r;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (a > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : r;
    }

    private static final class DeadlineExpiry implements Expiry<String, Timed> {
        @Override
        public long expireAfterCreate(String key, Timed value, long currentTime) {
            return Math.max(0, value.deadlineNanos() - currentTime);
        }

        @Override
        public long expireAfterUpdate(String key, Timed value, long currentTime, long currentDuration) {
            return Math.max(0, value.deadlineNanos() - currentTime);
        }

        @Override
        public long expireAfterRead(String key, Timed value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}

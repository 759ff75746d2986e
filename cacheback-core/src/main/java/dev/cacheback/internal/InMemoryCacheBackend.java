package dev.cacheback.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.cacheback.CacheEntry;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.EntryCodec;
import dev.cacheback.spi.Leases;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The in-memory backend: two Caffeine caches (entries, bounded by size; leases, expiring) whose time
 * is the runtime's clock, so that a test's clock moves their time to live too. Maintenance runs on
 * the runtime's executor ({@link BackendContext#executor()}: its clock's tick, or its scheduler) for entries and in the
 * calling thread for leases: no pool of Caffeine's own, and a reader does not pay for eviction.
 *
 * <p>Entries carry their deadline and are checked against the clock when read (the engine's own
 * clock reading, passed to {@link #get(String, EntryCodec, long)}, so a hit reads the clock once; nothing allocated), rather than through Caffeine's per-entry variable expiry, whose timer
 * wheel costs a clock read and bookkeeping on every hit. An entry read past its deadline is absent and
 * removed; one never read again stays until the size bound evicts it.
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

    /**
     * A value (an entry, its bytes, or a lease token), its version (entries only), and the epoch
     * millisecond (on the runtime's clock) from which the store forgets it.
     */
    private record Timed(Object value, long version, long deadlineMillis) {
    }

    @Override
    public synchronized void open(BackendContext context) {
        if (clock != null) {
            throw new IllegalStateException("This in-memory backend is already opened (as cache \"" + alias
                    + "\"); create one backend per runtime and alias");
        }
        Clock c = context.clock();
        Ticker ticker = () -> saturatedMultiply(c.millis(), 1_000_000L);
        this.alias = context.alias();
        // eviction and the read buffers' bookkeeping run on the runtime's tick or scheduler, not on a reader's thread
        this.entries = Caffeine.newBuilder().maximumSize(maximumSize).executor(context.executor()).build();
        this.leases = Caffeine.newBuilder().ticker(ticker).executor(Runnable::run)
                .expireAfter(new DeadlineExpiry()).build();
        this.clock = c;
    }

    @Override
    public <V> CacheEntry<V> get(String key, EntryCodec<V> codec) {
        return get(key, codec, clock.millis());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> CacheEntry<V> get(String key, EntryCodec<V> codec, long nowMillis) {
        Cache<String, Timed> e = entries();
        Timed timed = e.getIfPresent(key);
        if (timed == null) {
            return null;
        }
        if (timed.deadlineMillis() <= nowMillis) {
            e.asMap().remove(key, timed);
            return null;
        }
        return storeCopies ? codec.decode((byte[]) timed.value()) : (CacheEntry<V>) timed.value();
    }

    @Override
    public <V> Map<String, CacheEntry<V>> getAll(Collection<String> keys, EntryCodec<V> codec) {
        Map<String, CacheEntry<V>> found = new LinkedHashMap<>();
        long now = clock.millis();
        for (String key : keys) {
            CacheEntry<V> entry = get(key, codec, now);
            if (entry != null) {
                found.put(key, entry);
            }
        }
        return found;
    }

    @Override
    public <V> void set(String key, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        entries().put(key, timed(entry, ttl, codec));
    }

    @Override
    public <V> boolean setIfVersion(String key, long expectedVersion, CacheEntry<V> entry, Duration ttl,
                                    EntryCodec<V> codec) {
        Timed mine = timed(entry, ttl, codec);
        long now = clock.millis();
        boolean[] stored = {false};
        entries().asMap().compute(key, (k, current) -> {
            long currentVersion = current == null || current.deadlineMillis() <= now ? CacheEntry.NO_ENTRY : current.version();
            if (currentVersion != expectedVersion) {
                return current;
            }
            stored[0] = true;
            return mine;
        });
        return stored[0];
    }

    private <V> Timed timed(CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        Object value = storeCopies ? codec.encode(entry) : entry;
        return new Timed(value, entry.version(), deadline(ttl));
    }

    @Override
    public void delete(String key) {
        entries().invalidate(key);
    }

    @Override
    public String tryLease(String key, Duration ttl) {
        String token = Leases.newToken();
        // asMap().putIfAbsent treats an expired lease as absent: atomic take-if-free
        return leases().asMap().putIfAbsent(key, new Timed(token, 0, deadline(ttl))) == null ? token : null;
    }

    @Override
    public boolean releaseLease(String key, String token) {
        boolean[] released = {false};
        leases().asMap().computeIfPresent(key, (k, lease) -> {
            if (lease.value().equals(token)) {
                released[0] = true;
                return null;
            }
            return lease;
        });
        return released[0];
    }

    @Override
    public boolean extendLease(String key, String token, Duration ttl) {
        boolean[] extended = {false};
        Timed longer = new Timed(token, 0, deadline(ttl));
        leases().asMap().computeIfPresent(key, (k, lease) -> {
            if (lease.value().equals(token)) {
                extended[0] = true;
                return longer;
            }
            return lease;
        });
        return extended[0];
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
        long ttlMillis;
        try {
            ttlMillis = Math.max(1, ttl.toMillis());
        } catch (ArithmeticException e) {
            ttlMillis = Long.MAX_VALUE;
        }
        long now = clock.millis();
        long deadline = now + ttlMillis;
        return deadline < now ? Long.MAX_VALUE : deadline;
    }

    private static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return (high == 0 && low >= 0) || (high == -1 && low < 0) ? low : (a > 0 ? Long.MAX_VALUE : Long.MIN_VALUE);
    }

    private static final class DeadlineExpiry implements Expiry<String, Timed> {
        @Override
        public long expireAfterCreate(String key, Timed value, long currentTime) {
            return remaining(value, currentTime);
        }

        @Override
        public long expireAfterUpdate(String key, Timed value, long currentTime, long currentDuration) {
            return remaining(value, currentTime);
        }

        private static long remaining(Timed value, long currentNanos) {
            long deadlineNanos = saturatedMultiply(value.deadlineMillis(), 1_000_000L);
            return Math.max(0, deadlineNanos - currentNanos);
        }

        @Override
        public long expireAfterRead(String key, Timed value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}

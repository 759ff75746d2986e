package dev.cacheback.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.util.concurrent.ConcurrentHashMap;

/**
 * A candidate for core's in-memory backend, measured before it is proposed: a size-bounded Caffeine
 * cache <em>without</em> Caffeine's variable expiry (whose timer wheel and ticker reads cost most of
 * the current backend's read), each value carrying its deadline, checked on read against the
 * runtime's clock; an entry found past it reads as absent and is removed. Leases live in a
 * {@link ConcurrentHashMap} of deadlines, taken atomically with {@code compute}. Shares references
 * (no copies). Entries past their deadline that are never read again stay until the size bound
 * evicts them: the price of not running a timer.
 */
final class CandidateInMemoryBackend implements CacheBackend {

    private record Timed(Object entry, long deadlineNanos) {
    }

    private final long maximumSize;
    private volatile Cache<String, Timed> entries;
    private final ConcurrentHashMap<String, Long> leases = new ConcurrentHashMap<>();
    private volatile Clock clock;

    CandidateInMemoryBackend(long maximumSize) {
        this.maximumSize = maximumSize;
    }

    @Override
    public synchronized void open(BackendContext context) {
        this.clock = context.clock();
        this.entries = Caffeine.newBuilder().maximumSize(maximumSize).executor(Runnable::run).build();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> CacheEntry<V> get(String key, EntryCodec<V> codec) {
        Timed t = entries.getIfPresent(key);
        if (t == null) {
            return null;
        }
        if (t.deadlineNanos() - nanos(clock.instant()) <= 0) {
            entries.asMap().remove(key, t);
            return null;
        }
        return (CacheEntry<V>) t.entry();
    }

    @Override
    public <V> Map<String, CacheEntry<V>> getAll(Collection<String> keys, EntryCodec<V> codec) {
        Map<String, CacheEntry<V>> found = new LinkedHashMap<>();
        for (String key : keys) {
            CacheEntry<V> e = get(key, codec);
            if (e != null) {
                found.put(key, e);
            }
        }
        return found;
    }

    @Override
    public <V> void set(String key, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        entries.put(key, new Timed(entry, nanos(clock.instant()) + ttl.toNanos()));
    }

    @Override
    public void delete(String key) {
        entries.invalidate(key);
    }

    @Override
    public boolean tryLease(String key, Duration ttl) {
        long now = nanos(clock.instant());
        long mine = now + ttl.toNanos();
        boolean[] taken = {false};
        leases.compute(key, (k, held) -> {
            if (held == null || held - now <= 0) {
                taken[0] = true;
                return mine;
            }
            return held;
        });
        return taken[0];
    }

    @Override
    public void releaseLease(String key) {
        leases.remove(key);
    }

    @Override
    public String describe() {
        return "candidate in-memory";
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}

package dev.cacheback.internal;

import dev.cacheback.CacheEntry;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.EntryCodec;
import dev.cacheback.spi.Leases;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/** Stores nothing; every lease is granted (nothing is shared, so there is nothing to guard). */
public final class DummyCacheBackend implements CacheBackend {

    @Override
    public <V> CacheEntry<V> get(String key, EntryCodec<V> codec) {
        return null;
    }

    @Override
    public <V> Map<String, CacheEntry<V>> getAll(Collection<String> keys, EntryCodec<V> codec) {
        return Map.of();
    }

    @Override
    public <V> void set(String key, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
    }

    @Override
    public void delete(String key) {
    }

    @Override
    public <V> boolean setIfVersion(String key, long expectedVersion, CacheEntry<V> entry, Duration ttl,
                                    EntryCodec<V> codec) {
        return true;
    }

    @Override
    public String tryLease(String key, Duration ttl) {
        return Leases.newToken();
    }

    @Override
    public boolean releaseLease(String key, String token) {
        return true;
    }

    @Override
    public boolean extendLease(String key, String token, Duration ttl) {
        return true;
    }

    @Override
    public String describe() {
        return "dummy";
    }
}

package dev.cacheback.internal;

import dev.cacheback.CacheEntry;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.EntryCodec;

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
    public boolean tryLease(String key, Duration ttl) {
        return true;
    }

    @Override
    public void releaseLease(String key) {
    }

    @Override
    public String describe() {
        return "dummy";
    }
}

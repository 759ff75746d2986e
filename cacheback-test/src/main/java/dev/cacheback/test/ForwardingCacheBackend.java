package dev.cacheback.test;

import dev.cacheback.CacheEntry;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.EntryCodec;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * A backend that passes every call to another: extend it and override what a test needs to watch or
 * break (count calls, fail on demand, slow a server down), calling {@link #before(String)} or
 * overriding single methods. Thread-safe when the delegate is.
 */
public class ForwardingCacheBackend implements CacheBackend {

    private final CacheBackend delegate;

    public ForwardingCacheBackend(CacheBackend delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The backend calls go to. */
    public CacheBackend delegate() {
        return delegate;
    }

    /**
     * Called before every operation with its name ({@code get}, {@code getAll}, {@code set},
     * {@code setIfVersion}, {@code tryLeaseAndSetIfVersion}, {@code delete}, {@code tryLease}, {@code releaseLease}, {@code extendLease},
     * {@code ping}): throw from it to make the operation fail. Does nothing by default.
     */
    protected void before(String operation) {
    }

    @Override
    public void open(BackendContext context) {
        delegate.open(context);
    }

    @Override
    public <V> CacheEntry<V> get(String key, EntryCodec<V> codec) {
        before("get");
        return delegate.get(key, codec);
    }

    @Override
    public <V> Map<String, CacheEntry<V>> getAll(Collection<String> keys, EntryCodec<V> codec) {
        before("getAll");
        return delegate.getAll(keys, codec);
    }

    @Override
    public <V> void set(String key, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        before("set");
        delegate.set(key, entry, ttl, codec);
    }

    @Override
    public <V> boolean setIfVersion(String key, long expectedVersion, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        before("setIfVersion");
        return delegate.setIfVersion(key, expectedVersion, entry, ttl, codec);
    }

    @Override
    public <V> String tryLeaseAndSetIfVersion(String key, Duration leaseTtl, long expectedVersion, CacheEntry<V> entry,
                                              Duration ttl, EntryCodec<V> codec) {
        before("tryLeaseAndSetIfVersion");
        return delegate.tryLeaseAndSetIfVersion(key, leaseTtl, expectedVersion, entry, ttl, codec);
    }

    @Override
    public void delete(String key) {
        before("delete");
        delegate.delete(key);
    }

    @Override
    public String tryLease(String key, Duration ttl) {
        before("tryLease");
        return delegate.tryLease(key, ttl);
    }

    @Override
    public boolean releaseLease(String key, String token) {
        before("releaseLease");
        return delegate.releaseLease(key, token);
    }

    @Override
    public boolean extendLease(String key, String token, Duration ttl) {
        before("extendLease");
        return delegate.extendLease(key, token, ttl);
    }

    @Override
    public boolean shared() {
        return delegate.shared();
    }

    @Override
    public void ping() {
        before("ping");
        delegate.ping();
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public long maxEntryBytes() {
        return delegate.maxEntryBytes();
    }

    @Override
    public void close() {
        delegate.close();
    }
}

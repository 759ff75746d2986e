package dev.cacheback.spi;

import dev.cacheback.CacheEntry;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A base for backends that store bytes (Redis, memcached, a file): implement the byte operations (and
 * the lease operations of {@link CacheBackend}) and
 * this class does the encoding, and turns bytes the job cannot read into a
 * {@link CorruptEntryException} (in {@link #get}) or an absent key (in {@link #getAll}).
 */
public abstract class BytesCacheBackend implements CacheBackend {

    /** The bytes at {@code key}, or {@code null}. */
    protected abstract byte[] getBytes(String key);

    /** The bytes at each key that has some; missing keys are absent. One round trip where possible. */
    protected abstract Map<String, byte[]> getAllBytes(Collection<String> keys);

    /** Stores {@code value} at {@code key} for {@code ttl}. */
    protected abstract void setBytes(String key, byte[] value, Duration ttl);

    /**
     * Stores {@code value} at {@code key} for {@code ttl} only if the bytes there now have
     * {@link EntryFormat#version version} {@code expectedVersion} ({@link CacheEntry#NO_ENTRY}: no
     * bytes, or bytes {@link EntryFormat#version} reads as no entry), atomically on the server.
     *
     * @return whether it stored
     */
    protected abstract boolean setBytesIfVersion(String key, long expectedVersion, byte[] value, Duration ttl);

    @Override
    public final <V> CacheEntry<V> get(String key, EntryCodec<V> codec) {
        byte[] bytes = getBytes(key);
        if (bytes == null) {
            return null;
        }
        try {
            return codec.decode(bytes);
        } catch (CodecException e) {
            throw new CorruptEntryException(key, e);
        }
    }

    @Override
    public final <V> Map<String, CacheEntry<V>> getAll(Collection<String> keys, EntryCodec<V> codec) {
        Map<String, byte[]> raw = getAllBytes(keys);
        Map<String, CacheEntry<V>> entries = new LinkedHashMap<>(raw.size() * 2);
        raw.forEach((key, bytes) -> {
            try {
                entries.put(key, codec.decode(bytes));
            } catch (CodecException e) {
                // unreadable bytes read as a miss; the engine logs misses it cannot explain elsewhere
            }
        });
        return entries;
    }

    @Override
    public final <V> void set(String key, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        setBytes(key, codec.encode(entry), ttl);
    }

    /**
     * {@link #tryLeaseAndSetIfVersion} on bytes. Default: {@link #tryLease} then
     * {@link #setBytesIfVersion}, giving the lease back when the version differs; override to do
     * both in one round trip.
     */
    protected String tryLeaseAndSetBytesIfVersion(String key, Duration leaseTtl, long expectedVersion, byte[] value,
                                                  Duration ttl) {
        return Leases.takeThenStore(this, key, leaseTtl, () -> setBytesIfVersion(key, expectedVersion, value, ttl));
    }

    @Override
    public final <V> String tryLeaseAndSetIfVersion(String key, Duration leaseTtl, long expectedVersion,
                                                    CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        return tryLeaseAndSetBytesIfVersion(key, leaseTtl, expectedVersion, codec.encode(entry), ttl);
    }

    @Override
    public final <V> boolean setIfVersion(String key, long expectedVersion, CacheEntry<V> entry, Duration ttl,
                                          EntryCodec<V> codec) {
        return setBytesIfVersion(key, expectedVersion, codec.encode(entry), ttl);
    }
}

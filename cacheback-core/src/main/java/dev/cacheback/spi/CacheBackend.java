package dev.cacheback.spi;

import dev.cacheback.CacheEntry;
import dev.cacheback.NearCache;
import dev.cacheback.internal.DummyCacheBackend;
import dev.cacheback.internal.InMemoryCacheBackend;
import dev.cacheback.internal.TieredCacheBackend;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/**
 * A store of cache entries: one named cache ("alias") of a {@link dev.cacheback.Cacheback} runtime.
 *
 * <p>Keys have already passed {@link Keys#validate}: 1 to {@value Keys#MAX_KEY_BYTES} printable
 * ASCII bytes without spaces. Entries carry their own expiry instant; the backend only has to keep
 * them for the time to live it is given ({@code cacheTtl}) and may drop them earlier (memory
 * pressure). Implementations are thread-safe and throw {@link CacheBackendException} (or a subclass)
 * when the server cannot be reached or refuses an operation; they never return a partial result
 * silently.
 *
 * <p>The lease ({@link #tryLease}) is what makes one refresh per key per {@code refreshTimeout}
 * hold across processes: it must be atomic on the server (Redis {@code SET NX PX}, memcached
 * {@code add}, an atomic map operation in memory), and owned: taking it returns a token, and only
 * that token releases or extends it (DESIGN.md F1). {@link #setIfVersion} is the conditional write
 * that fences refreshes (F2).
 *
 * <p>A backend that talks to a server bounds every operation by a timeout and, after a timeout,
 * fails fast until a probe sees the server answer again ({@link ServerBreaker}), so a frozen server
 * costs a caller at most one timeout (F5).
 */
public interface CacheBackend extends AutoCloseable {

    /**
     * An in-memory backend on Caffeine holding at most 10,000 entries and sharing references: the
     * object a job's {@code fetch} returned is the object later hits return, so it must not be
     * mutated. Use {@link #inMemory(long, boolean)} to store copies instead.
     */
    static CacheBackend inMemory() {
        return new InMemoryCacheBackend(10_000, false);
    }

    /**
     * An in-memory backend on Caffeine.
     *
     * @param maximumSize the most entries kept; the least recently used go first (leases do not count).
     *     Evictions run on the runtime's scheduler, not in the reading thread, so the cache may hold a
     *     few more entries for a moment after a burst of writes
     * @param storeCopies {@code false} to keep the very objects jobs return (fastest; callers must not
     *     mutate them), {@code true} to keep encoded bytes and decode a fresh copy on every read (as a
     *     remote cache would, and as safe for mutable values)
     */
    static CacheBackend inMemory(long maximumSize, boolean storeCopies) {
        return new InMemoryCacheBackend(maximumSize, storeCopies);
    }

    /**
     * A near (in-process, bounded) level in front of {@code remote}, kept coherent across processes by
     * the {@linkplain NearCache#backplane() backplane}: reads are served from the near copy when there is
     * one, else from {@code remote} (filling the near level); every write goes to {@code remote} first,
     * then drops this process's copy and tells every other process to drop theirs. Leases go to
     * {@code remote} only, so the engine's lease and fencing rules hold as they do on {@code remote}.
     * Near copies are the very objects decoded from {@code remote}, shared by later hits: they must not
     * be mutated. See {@link NearCache} for the staleness bound. The runtime opens and closes it (and
     * with it {@code remote} and the backplane). Thread-safe. The result is a {@link TieredBackend},
     * whose near level's state can be read.
     *
     * @throws IllegalArgumentException when {@code remote} is tiered itself
     */
    static CacheBackend tiered(CacheBackend remote, NearCache nearCache) {
        return new TieredCacheBackend(remote, nearCache);
    }

    /** A backend that stores nothing: every read is a miss (the seed's {@code DummyCache}). */
    static CacheBackend dummy() {
        return new DummyCacheBackend();
    }

    /**
     * Called once by the runtime that owns this backend, before any other method.
     *
     * @throws IllegalStateException if the backend is already opened by a runtime
     */
    default void open(BackendContext context) {
    }

    /**
     * Reads one entry.
     *
     * @return the entry, or {@code null} when there is none
     * @throws CorruptEntryException when bytes are stored at the key that {@code codec} cannot read
     * @throws CacheBackendException when the server cannot answer
     */
    <V> CacheEntry<V> get(String key, EntryCodec<V> codec);

    /**
     * Reads one entry as of {@code nowMillis}, a reading of the runtime's clock the caller has just
     * made: a backend that keeps its own deadlines (the in-memory one) compares them with it instead
     * of reading the clock again, so that a hit costs one clock read in all. The default ignores it
     * and calls {@link #get(String, EntryCodec)}; a remote backend has nothing to compare.
     *
     * <p>On a hit the reading may be the runtime's copy of its clock (see
     * {@link dev.cacheback.Cacheback.Builder#clockTick}), lagging the clock by about a millisecond: fine
     * for a deadline, where it reads as if the call had been made that much earlier; a backend holding a
     * bound that must not be overrun by even that reads the clock itself near the bound.
     *
     * @return the entry, or {@code null} when there is none
     * @throws CorruptEntryException when bytes are stored at the key that {@code codec} cannot read
     * @throws CacheBackendException when the server cannot answer
     */
    default <V> CacheEntry<V> get(String key, EntryCodec<V> codec, long nowMillis) {
        return get(key, codec);
    }

    /**
     * Reads many entries, in one round trip where the server allows it. Keys with no entry, and keys
     * whose bytes cannot be decoded, are absent from the result.
     */
    <V> Map<String, CacheEntry<V>> getAll(Collection<String> keys, EntryCodec<V> codec);

    /**
     * Stores an entry for {@code ttl}, replacing any other.
     *
     * @throws EntryTooLargeException when the encoded entry exceeds what the server accepts
     * @throws CacheBackendException when the server cannot store it
     */
    <V> void set(String key, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec);

    /** Removes the entry at {@code key}, if any. */
    void delete(String key);

    /**
     * Stores {@code entry} only if the entry now at {@code key} has version {@code expectedVersion}
     * ({@link CacheEntry#NO_ENTRY}: only if there is no entry, or none this library can read), in one
     * atomic step on the server: a Redis script, a memcached {@code gets}/{@code cas} (or {@code add})
     * pair, an atomic map operation in memory. This is how a refresh is fenced (DESIGN.md F2): it
     * stores only if nothing ({@code set}, {@code delete}, another refresh) replaced the entry it
     * started from.
     *
     * @return {@code true} if stored, {@code false} if another entry (or, when one was expected, no
     *     entry) was there
     * @throws EntryTooLargeException when the encoded entry exceeds what the server accepts
     * @throws CacheBackendException when the server cannot answer
     */
    <V> boolean setIfVersion(String key, long expectedVersion, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec);

    /**
     * Takes the refresh lease of {@code key} for {@code ttl} if nobody holds it: atomically, across
     * every process sharing this store (Redis {@code SET NX PX}, memcached {@code add}).
     *
     * @return the lease's token, a short printable string unique to this taking, or {@code null} when
     *     another holds the lease
     * @throws CacheBackendException when the server cannot answer
     */
    String tryLease(String key, Duration ttl);

    /**
     * Takes the lease of {@code key} (as {@link #tryLease}) and, if taken, stores {@code entry} if the
     * entry there has version {@code expectedVersion} (as {@link #setIfVersion}); when the version
     * differs, gives the lease back. What a stale read does to mark its entry for refresh: a backend
     * that can do both in one round trip (a Redis script) overrides this; the default makes the two
     * calls.
     *
     * @return the lease's token when the lease was taken and the entry stored; {@code null} when
     *     another holds the lease, or the entry was replaced since it was read (the lease is then free)
     * @throws CacheBackendException when the server cannot answer (the lease, if taken, then expires
     *     by itself)
     */
    default <V> String tryLeaseAndSetIfVersion(String key, Duration leaseTtl, long expectedVersion, CacheEntry<V> entry,
                                               Duration ttl, EntryCodec<V> codec) {
        return Leases.takeThenStore(this, key, leaseTtl, () -> setIfVersion(key, expectedVersion, entry, ttl, codec));
    }

    /**
     * Gives the lease of {@code key} back if {@code token} still holds it (compare-and-delete): a
     * process never releases a lease another has taken since its own expired.
     *
     * @return {@code true} if the lease was held by {@code token} and is now free
     * @throws CacheBackendException when the server cannot answer
     */
    boolean releaseLease(String key, String token);

    /**
     * Extends the lease of {@code key} to {@code ttl} from now if {@code token} still holds it: what a
     * worker does while a refresh runs longer than its lease.
     *
     * @return {@code true} if {@code token} held the lease and it was extended
     * @throws CacheBackendException when the server cannot answer
     */
    boolean extendLease(String key, String token, Duration ttl);

    /**
     * Whether every process configured with the same settings shares this store (Redis, memcached),
     * as opposed to a store private to this process (in-memory, dummy). A worker process refreshing
     * into a private store would leave every other process stale, so standalone workers refuse to
     * start without a shared cache unless told otherwise. Default {@code false}.
     */
    default boolean shared() {
        return false;
    }

    /**
     * Checks that the server answers, for health checks: one cheap round trip (Redis {@code PING},
     * memcached {@code version}), bounded by the backend's own timeout. Returns normally when it
     * answers. Default: does nothing (a store in this process always answers).
     *
     * @throws CacheBackendException when the server does not answer
     */
    default void ping() {
    }

    /** A short description for logs and errors, such as {@code redis://cache-1:6379/0}; never credentials. */
    default String describe() {
        return getClass().getSimpleName();
    }

    /**
     * The largest encoded entry this backend accepts, in bytes, or {@code -1} when there is no known
     * limit. Used to name the limit in errors.
     */
    default long maxEntryBytes() {
        return -1;
    }

    /** Releases connections and threads. Idempotent. */
    @Override
    default void close() {
    }
}

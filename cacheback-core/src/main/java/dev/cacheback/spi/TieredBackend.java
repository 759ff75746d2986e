package dev.cacheback.spi;

import dev.cacheback.NearCache;

/**
 * A cache backend with a near level, as {@link CacheBackend#tiered(CacheBackend, NearCache)} makes
 * it: cast the result (or {@code cacheback.cache(alias)}) to this type to read the near level's
 * state, from a test, a health check or a metrics binder. Implementations are thread-safe; the
 * methods never throw and never touch the network.
 */
public interface TieredBackend extends CacheBackend {

    /** How many near copies this process holds now (an estimate); 0 before the runtime opened the backend. */
    long nearSize();

    /**
     * Whether near copies are served now: the backplane's last heartbeat came back within
     * {@link NearCache}'s {@code maxDisconnectedStaleness}. False before the runtime opened the backend.
     */
    boolean nearServing();

    /** The remote level, which holds the entries and the leases; never null. */
    CacheBackend remote();
}

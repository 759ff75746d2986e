package dev.cacheback.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.cacheback.CacheEntry;
import dev.cacheback.NearCache;
import dev.cacheback.spi.Backplane;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.spi.EntryCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A near level (Caffeine, bounded) in front of a remote backend, kept coherent by a {@link Backplane}.
 *
 * <p>Reads: the near copy while the backplane's proof is recent ({@link Backplane#confirmedMillis()} at
 * most {@code maxDisconnectedStaleness} ago), else the remote entry, which then fills the near level.
 * Writes (set, conditional writes, delete, the lease-and-mark of a stale read) go to the remote first,
 * then drop the near copy and publish the key; leases go to the remote only.
 *
 * <p>A fill never outlives an invalidation that arrived while the remote read was in flight: every
 * drop (a local write, a message, a reconnection) moves {@link #epoch}; a fill puts its copy, then takes
 * it out again if the epoch moved since before its remote read. Writes drop rather than replace the
 * copy: two writers racing on one key could otherwise leave the loser's copy in front of the winner's
 * remote entry.
 *
 * <p>A key whose publication failed is kept (at most {@value #MAX_PENDING}, beyond which one "drop
 * everything" message is kept instead) and published again at the next write or read that finds the
 * backplane confirmed.
 */
public final class TieredCacheBackend implements TieredBackend {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final int MAX_PENDING = 10_000;

    private final CacheBackend remote;
    private final NearCache settings;
    private final Backplane backplane;
    private final long staleMillis;
    private final long ttlMillis;
    private final AtomicLong epoch = new AtomicLong();
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean pendingAll = new AtomicBoolean();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private volatile boolean hasPending;
    private volatile Cache<String, Near> near;
    /** The version and remote deadline of the last entry this process wrote at a key: a fill of it expires with it. */
    private volatile Cache<String, Written> written;
    private volatile Clock clock;
    private volatile String alias = "?";

    /** A near copy and the epoch millisecond after which it is dropped. */
    private record Near(CacheEntry<?> entry, long deadlineMillis) {
    }

    /** What this process wrote at a key: the entry's version, and when the remote forgets it. */
    private record Written(long version, long deadlineMillis) {
    }

    public TieredCacheBackend(CacheBackend remote, NearCache settings) {
        this.remote = Objects.requireNonNull(remote, "remote");
        this.settings = Objects.requireNonNull(settings, "settings");
        if (remote instanceof TieredCacheBackend) {
            throw new IllegalArgumentException("The remote level of a tiered cache cannot be tiered itself");
        }
        this.backplane = settings.backplane();
        this.staleMillis = settings.maxDisconnectedStaleness().toMillis();
        this.ttlMillis = settings.timeToLive().toMillis();
    }

    @Override
    public synchronized void open(BackendContext context) {
        if (clock != null) {
            throw new IllegalStateException("This tiered backend is already opened (as cache \"" + alias
                    + "\"); create one per runtime and alias");
        }
        Duration beat = backplane.heartbeatInterval();
        if (beat.multipliedBy(2).compareTo(settings.maxDisconnectedStaleness()) > 0) {
            throw new IllegalStateException("Near cache \"" + context.alias() + "\": maxDisconnectedStaleness ("
                    + settings.maxDisconnectedStaleness() + ") must be at least twice the backplane's heartbeat interval ("
                    + beat + "), or near copies would be bypassed between heartbeats; raise it or shorten the heartbeat");
        }
        remote.open(context);
        this.alias = context.alias();
        // eviction bookkeeping on the runtime's scheduler, as the in-memory backend's, not on a reader's thread
        this.near = Caffeine.newBuilder().maximumSize(settings.maximumSize()).executor(context.executor()).build();
        this.written = Caffeine.newBuilder().maximumSize(settings.maximumSize()).executor(context.executor()).build();
        this.clock = context.clock();
        try {
            backplane.subscribe(context, new Backplane.Listener() {
                @Override
                public void onInvalidate(String key) {
                    drop(key);
                }

                @Override
                public void onInvalidateAll() {
                    dropAll();
                }
            });
        } catch (RuntimeException e) {
            try {
                remote.close(); // the runtime closes only what opened
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * Whether near copies may be served now: the backplane proved its subscription at most the bound ago.
     * {@code now} may be a hit's copy of the clock, lagging it; past half the bound the clock itself decides.
     */
    private boolean nearUsable(long now) {
        long confirmed = backplane.confirmedMillis();
        if (confirmed == Long.MIN_VALUE) {
            return false;
        }
        long age = now - confirmed;
        if (age > staleMillis / 2) {
            age = clock.millis() - confirmed;
        }
        return age <= staleMillis;
    }

    @Override
    public <V> CacheEntry<V> get(String key, EntryCodec<V> codec) {
        return get(key, codec, clock.millis());
    }

    /** A near hit compares its deadlines with the engine's clock reading, and a remote read passes it on. */
    @Override
    @SuppressWarnings("unchecked")
    public <V> CacheEntry<V> get(String key, EntryCodec<V> codec, long now) {
        Cache<String, Near> n = near();
        boolean usable = nearUsable(now);
        if (hasPending) {
            flushPending();
        }
        if (usable) {
            Near copy = n.getIfPresent(key);
            if (copy != null) {
                if (copy.deadlineMillis() > now) {
                    return (CacheEntry<V>) copy.entry();
                }
                n.asMap().remove(key, copy);
            }
        }
        long before = epoch.get();
        CacheEntry<V> entry = remote.get(key, codec, now);
        if (entry != null && usable) {
            fill(n, key, entry, before, now);
        }
        return entry;
    }

    private void fill(Cache<String, Near> n, String key, CacheEntry<?> entry, long epochBefore, long now) {
        if (epoch.get() != epochBefore) {
            return;
        }
        long deadline = saturatedAdd(now, ttlMillis);
        Written w = written.getIfPresent(key);
        if (w != null && w.version() == entry.version()) {
            deadline = Math.min(deadline, w.deadlineMillis()); // never outlive the remote's time to live
        }
        if (deadline <= now) {
            return;
        }
        Near copy = new Near(entry, deadline);
        n.put(key, copy);
        if (epoch.get() != epochBefore) {
            n.asMap().remove(key, copy); // a drop ran during the remote read: it may have been meant for this copy
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Map<String, CacheEntry<V>> getAll(Collection<String> keys, EntryCodec<V> codec) {
        Cache<String, Near> n = near();
        long now = clock.millis();
        boolean usable = nearUsable(now);
        Map<String, CacheEntry<V>> found = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String key : keys) {
            Near copy = usable ? n.getIfPresent(key) : null;
            if (copy != null && copy.deadlineMillis() > now) {
                found.put(key, (CacheEntry<V>) copy.entry());
            } else {
                missing.add(key);
            }
        }
        if (missing.isEmpty()) {
            return found;
        }
        long before = epoch.get();
        Map<String, CacheEntry<V>> fromRemote = remote.getAll(missing, codec);
        if (usable) {
            fromRemote.forEach((k, e) -> fill(n, k, e, before, now));
        }
        if (found.isEmpty()) {
            return fromRemote;
        }
        Map<String, CacheEntry<V>> all = new LinkedHashMap<>();
        for (String key : keys) {
            CacheEntry<V> e = found.containsKey(key) ? found.get(key) : fromRemote.get(key);
            if (e != null) {
                all.put(key, e);
            }
        }
        return all;
    }

    @Override
    public <V> void set(String key, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        try {
            remote.set(key, entry, ttl, codec);
            remember(key, entry, ttl);
        } finally {
            wrote(key, true);
        }
    }

    @Override
    public void delete(String key) {
        try {
            remote.delete(key);
            written.invalidate(key);
        } finally {
            wrote(key, true);
        }
    }

    @Override
    public <V> boolean setIfVersion(String key, long expectedVersion, CacheEntry<V> entry, Duration ttl, EntryCodec<V> codec) {
        boolean stored = false;
        try {
            stored = remote.setIfVersion(key, expectedVersion, entry, ttl, codec);
            if (stored) {
                remember(key, entry, ttl);
            }
            return stored;
        } finally {
            // not stored: the version differed, so any near copy is out of date too
            wrote(key, stored);
        }
    }

    @Override
    public <V> String tryLeaseAndSetIfVersion(String key, Duration leaseTtl, long expectedVersion, CacheEntry<V> entry,
                                              Duration ttl, EntryCodec<V> codec) {
        String token = null;
        try {
            token = remote.tryLeaseAndSetIfVersion(key, leaseTtl, expectedVersion, entry, ttl, codec);
            if (token != null) {
                remember(key, entry, ttl);
            }
            return token;
        } finally {
            wrote(key, token != null);
        }
    }

    @Override
    public String tryLease(String key, Duration ttl) {
        return remote.tryLease(key, ttl);
    }

    @Override
    public boolean releaseLease(String key, String token) {
        return remote.releaseLease(key, token);
    }

    @Override
    public boolean extendLease(String key, String token, Duration ttl) {
        return remote.extendLease(key, token, ttl);
    }

    private void remember(String key, CacheEntry<?> entry, Duration ttl) {
        long ttlMs;
        try {
            ttlMs = ttl.toMillis();
        } catch (ArithmeticException e) {
            ttlMs = Long.MAX_VALUE;
        }
        written.put(key, new Written(entry.version(), saturatedAdd(clock.millis(), ttlMs)));
    }

    /**
     * After a write through this process (or an attempt that may have written, when the remote threw):
     * drops the near copy and, when {@code publish}, tells the other processes.
     */
    private void wrote(String key, boolean publish) {
        drop(key);
        if (publish) {
            publish(key);
        }
        if (hasPending) {
            flushPending();
        }
    }

    private void drop(String key) {
        epoch.incrementAndGet();
        Cache<String, Near> n = near;
        if (n != null) {
            n.invalidate(key);
        }
    }

    private void dropAll() {
        epoch.incrementAndGet();
        Cache<String, Near> n = near;
        if (n != null) {
            n.invalidateAll();
        }
    }

    private void publish(String key) {
        try {
            backplane.publish(alias, key).whenComplete((ok, failure) -> {
                if (failure != null) {
                    rememberUnpublished(key, failure);
                }
            });
        } catch (RuntimeException e) {
            rememberUnpublished(key, e);
        }
    }

    private void rememberUnpublished(String key, Throwable failure) {
        boolean first = !hasPending;
        if (key == null || pendingAll.get()) {
            pendingAll.set(true);
        } else if (pending.size() < MAX_PENDING) {
            pending.add(key);
        } else {
            pendingAll.set(true);
            pending.clear();
        }
        hasPending = true;
        if (first) { // once per outage: the next failures wait in the same set
            log.warn("Near cache \"{}\": invalidations not published on {} ({}); they are sent again once the backplane is connected",
                    LogText.escape(alias), backplane.describe(), LogText.escape(String.valueOf(failure)));
        }
    }

    /** Publishes again what failed to publish, when the backplane is connected; at most one flush at a time. */
    private void flushPending() {
        if (!backplane.connected() || !flushing.compareAndSet(false, true)) {
            return;
        }
        try {
            hasPending = false;
            if (pendingAll.getAndSet(false)) {
                pending.clear();
                publish(null);
                return;
            }
            for (String key : List.copyOf(pending)) {
                pending.remove(key);
                publish(key);
            }
        } finally {
            flushing.set(false);
        }
    }

    @Override
    public long nearSize() {
        Cache<String, Near> n = near;
        return n == null ? 0 : n.estimatedSize();
    }

    @Override
    public boolean nearServing() {
        Clock c = clock;
        return c != null && nearUsable(c.millis());
    }

    @Override
    public CacheBackend remote() {
        return remote;
    }

    @Override
    public boolean shared() {
        return remote.shared();
    }

    /** Pings the remote cache, then the backplane. */
    @Override
    public void ping() {
        remote.ping();
        backplane.ping();
    }

    @Override
    public String describe() {
        return "near(" + settings.maximumSize() + ") over " + remote.describe() + " with " + backplane.describe();
    }

    @Override
    public long maxEntryBytes() {
        return remote.maxEntryBytes();
    }

    /** Closes the backplane, then the remote level. Idempotent. */
    @Override
    public void close() {
        Cache<String, Near> n = near;
        if (n != null) {
            n.invalidateAll();
        }
        try {
            backplane.close();
        } finally {
            remote.close();
        }
    }

    private Cache<String, Near> near() {
        Cache<String, Near> n = near;
        if (n == null) {
            throw new IllegalStateException("The tiered backend is not opened: give it to Cacheback.builder().cache(...)");
        }
        return n;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

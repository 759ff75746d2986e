package dev.cacheback;

import dev.cacheback.internal.ArgumentTypes;
import dev.cacheback.internal.EntryBytes;
import dev.cacheback.internal.LogText;
import dev.cacheback.internal.KeyHasher;
import dev.cacheback.internal.KeyMemo;
import dev.cacheback.internal.SourceBreaker;
import dev.cacheback.internal.TypeResolver;
import dev.cacheback.spi.CodecException;
import dev.cacheback.spi.CorruptEntryException;
import dev.cacheback.spi.EntryTooLargeException;
import dev.cacheback.spi.Keys;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskDelivery;
import dev.cacheback.spi.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cached read: how to {@link #fetch} one kind of data, and the rules for serving it from the cache
 * and refreshing it in the background. The seed's {@code cacheback.base.Job}.
 *
 * <p>Subclass it and implement {@link #fetch}; the type arguments declare the argument and value
 * types (read once per class, or given as {@link TypeRef}s to the constructor):
 * <pre>{@code
 * class UserJob extends Job<String, User> {
 *     UserJob(Cacheback cacheback) {
 *         super(cacheback, JobSettings.builder().lifetime(Duration.ofMinutes(5)).build());
 *     }
 *     @Override protected User fetch(String username) {
 *         return userService.load(username);     // the slow read
 *     }
 * }
 * User user = new UserJob(cacheback).get("ada"); // cache speed, refreshed in the background
 * }</pre>
 *
 * <p>The public operations ({@link #get}, {@link #getMany}, {@link #invalidate}, {@link #delete}, {@link #set},
 * {@link #rawGet}, {@link #refresh}, {@link #asyncRefresh}) are final: their rules (DESIGN.md
 * S1–S19) live here alone. The protected hooks ({@link #fetch}, {@link #fetchMany}, {@link #empty}, {@link #expiry},
 * {@link #timeout}, {@link #key}, {@link #processResult}, {@link #shouldMissingItemBeFetchedSynchronously},
 * {@link #shouldStaleItemBeFetchedSynchronously}, {@link #shouldStore}, {@link #lifetimeFor}) and the settings ({@link #lifetime()}, …) may be
 * overridden. A setting comes from the override if there is one, else from the {@link JobSettings}
 * given to the constructor, else from its default.
 *
 * <p>A job registers itself with its runtime when constructed, under its {@link #name()}, so that a
 * worker of that runtime can run its refresh tasks; constructing a job per request, as the seed's
 * examples do, is cheap and re-registers it.
 *
 * <p>Jobs are thread-safe as long as their hooks are. Arguments must not be {@code null}, except for
 * a no-argument job ({@code Job<Void, V>}), which is called with {@link #get()}.
 *
 * @param <K> the argument type: a {@code String}, a record, a {@code Map<String, ?>}, or {@code Void}
 * @param <V> the value type
 */
public abstract class Job<K, V> {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final int MAX_NAME_LENGTH = 200;
    /** What {@link #load} returns when the soft fetch timeout passed: the caller answers its stale data. */
    private static final Object SOFT_TIMEOUT = new Object();

    private final Cacheback cacheback;
    private final JobSettings settings;
    private final String name;
    private final Type argType;
    private final Type valueType;
    private final boolean noArgs;
    private final boolean customKey;
    private final EntryBytes<V> entryCodec;
    private final KeyMemo keyMemo;
    private volatile CacheSlot slot;
    private volatile boolean optionsChecked;
    private volatile SourceBreaker sourceBreaker;
    /** Whether a hit may refresh early ({@link JobSettings.Builder#earlyRefreshBeta}, {@link JobSettings.Builder#refreshAhead}): the one field the hit path checks. */
    private final boolean earlyRefresh;
    /** Whether the runtime has an {@link Instrumentation} (issue 16): gets, fetches and enqueues are observed. */
    private final boolean observed;
    /** This name's counts for {@link #state()}, shared by the jobs of the name: one increment per read. */
    private final JobCounters counters;

    /** A job on the {@linkplain Cacheback#makeDefault() default runtime} with default settings. */
    protected Job() {
        this(Cacheback.getDefault(), JobSettings.defaults(), null, null);
    }

    /** A job on the {@linkplain Cacheback#makeDefault() default runtime}. */
    protected Job(JobSettings settings) {
        this(Cacheback.getDefault(), settings, null, null);
    }

    /** A job on {@code cacheback} with default settings. */
    protected Job(Cacheback cacheback) {
        this(cacheback, JobSettings.defaults(), null, null);
    }

    /** A job on {@code cacheback}. */
    protected Job(Cacheback cacheback, JobSettings settings) {
        this(cacheback, settings, null, null);
    }

    /**
     * A job whose argument and value types are given rather than read from its class: for generic
     * job classes.
     *
     * @param argType   the argument type, or {@code null} to read it from the class
     * @param valueType the value type, or {@code null} to read it from the class
     * @throws IllegalArgumentException when the settings name an alias the runtime lacks, or task
     *     options its queue does not honour
     * @throws IllegalStateException when a type is neither given nor declared by the class
     */
    protected Job(Cacheback cacheback, JobSettings settings, TypeRef<K> argType, TypeRef<V> valueType) {
        this.cacheback = Objects.requireNonNull(cacheback, "cacheback");
        this.settings = Objects.requireNonNull(settings, "settings");
        Type[] declared = argType != null && valueType != null ? null : TypeResolver.jobTypes(getClass());
        this.argType = argType != null ? argType.type() : declared[0];
        this.valueType = valueType != null ? valueType.type() : declared[1];
        this.noArgs = this.argType == Void.class;
        this.name = settings.name().orElseGet(() -> validateName(getClass().getName()));
        this.customKey = TypeResolver.overridesKey(getClass());
        this.keyMemo = customKey || noArgs ? null : cacheback.keyMemo(name);
        this.entryCodec = new EntryBytes<>(cacheback.codec(), this.valueType);
        this.earlyRefresh = settings.earlyRefreshBeta() > 0 || settings.refreshAhead() > 0;
        this.observed = cacheback.instrumentation() != Instrumentation.NONE;
        this.counters = cacheback.jobCounters(name);
        if (!customKey && !noArgs) {
            String problem = ArgumentTypes.problem(this.argType);
            if (problem != null) {
                throw new IllegalArgumentException("Job " + name + " cannot key its argument type "
                        + this.argType.getTypeName() + ": " + problem + ". Keys are hashes of the argument's JSON, "
                        + "which must not change while a caller holds it: use a String, a record or another "
                        + "immutable value, or override key()");
            }
        }
        if (settings.cacheAlias() != null) {
            cacheback.cache(settings.cacheAlias());
        }
        cacheback.queue().validate(settings.taskOptions());
        cacheback.register(this);
    }

    // ------------------------------------------------------------------ operations

    /**
     * Returns the data for {@code args}, from the cache when it can (DESIGN.md S1–S5).
     *
     * <ul>
     *   <li>Fresh entry: its data ({@link CacheStatus#HIT}).</li>
     *   <li>Stale entry: its data, and one refresh task is enqueued for all callers in all
     *       processes ({@link CacheStatus#STALE}); or, when {@link #shouldStaleItemBeFetchedSynchronously}
     *       says so, a synchronous refresh.</li>
     *   <li>No entry: a fetch in this thread, shared with concurrent callers of the same key
     *       ({@link CacheStatus#MISS}); or, when {@link #shouldMissingItemBeFetchedSynchronously} is
     *       false, {@link #empty()} while a refresh task runs.</li>
     * </ul>
     * The answer passes through {@link #processResult}. A cache server that fails is logged and
     * treated as a miss: the caller is answered by a fetch. With {@link #failSafeMaxStaleness()} set, a
     * synchronous refresh of stale data that fails answers the stale data instead (stale-if-error:
     * {@code processResult(staleData, args, STALE, false)}, and {@link CachebackListener#onFailSafe}).
     *
     * @throws NullPointerException if {@code args} is null (unless this is a no-argument job)
     * @throws FetchException       if a synchronous fetch threw a checked exception; unchecked ones
     *                              are rethrown as they are; nothing is stored
     * @throws CachebackException   if {@code args} cannot be encoded, or (with verify-writes on) the
     *                              fetched data could not be stored
     * @throws FetchTimeoutException when a synchronous fetch outlasted the {@link #hardFetchTimeout()}
     *                              (and no stale data within {@link #failSafeMaxStaleness()} could answer)
     * @throws SourceUnavailableException on a miss while the job's source breaker is open
     */
    public final V get(K args) {
        requireArgs(args);
        if (observed) {
            return observedGet(args);
        }
        return lookup(args);
    }

    /** {@link #get} inside the runtime's {@link Instrumentation#get} observation. */
    private V observedGet(K args) {
        try (Instrumentation.Observed observation = cacheback.instrumentation().get(name, cacheAliasOrDefault())) {
            try {
                return lookup(args);
            } catch (RuntimeException | Error e) {
                observation.error(e);
                throw e;
            }
        }
    }

    /** {@link #get}'s work, once its argument is checked. */
    private V lookup(K args) {
        String key = keyFor(args);
        CacheSlot cache = slot();
        long nowMillis = cacheback.hitMillis();   // the one clock read of a hit (a copy of the clock by default)
        CacheEntry<V> entry = read(cache, key, true, nowMillis);
        if (entry == null) {
            return miss(cache, key, args);
        }
        if (isHit(cache, key, args, entry, nowMillis)) {
            return hit(key, args, entry);
        }
        return stale(cache, key, args, entry);
    }

    /**
     * Whether {@code entry} is fresh at {@code nowMillis}, a hit clock reading (S3); for a job with early
     * refresh, a fresh entry due for it is also marked ({@link #refreshEarlyIfDue}). One expiry
     * computation on the hit path. An entry within the hit clock's slack of its expiry is decided on the
     * clock itself, so that a copied reading's lag never makes stale data fresh.
     */
    private boolean isHit(CacheSlot cache, String key, K args, CacheEntry<V> entry, long nowMillis) {
        long fresh = freshMillis(entry.expiry(), nowMillis);
        long slack = cacheback.hitSlackMillis();
        if (fresh <= slack) {
            if (slack > 0) {   // a copy of the clock: near the expiry, the clock itself decides
                fresh = freshMillis(entry.expiry(), cacheback.clock().millis());
            }
            if (fresh <= 0) {
                return fresh == 0 && now().isBefore(entry.expiry());
            }
        }
        if (earlyRefresh) {
            refreshEarlyIfDue(cache, key, args, entry, fresh);
        }
        return true;
    }

    /** A fresh entry's answer (S3), for {@code get} and each key of {@code getMany}. */
    private V hit(String key, K args, CacheEntry<V> entry) {
        cacheback.listener().onHit(name, key);
        counters.hits.increment();
        if (log.isDebugEnabled()) {
            log.debug("{} {}: hit", name, key);
        }
        return processResult(entry.data(), args, CacheStatus.HIT, null);
    }

    /** S4: stale data answered at once, its key marked for a background refresh. */
    private V staleServed(CacheSlot cache, String key, K args, CacheEntry<V> entry, Duration delta) {
        log.debug("{} {}: stale by {}, serving stale and refreshing asynchronously", name, key, delta);
        cacheback.listener().onStale(name, key, false);
        markFromRead(cache, key, args, entry);
        return processResult(entry.data(), args, CacheStatus.STALE, false);
    }

    /** S2: a miss without a fetch answers {@link #empty()}, its key marked for a background refresh. */
    private V missEnqueued(CacheSlot cache, String key, K args) {
        log.debug("{} {}: miss, returning empty and refreshing asynchronously", name, key);
        cacheback.listener().onMiss(name, key, false);
        markFromRead(cache, key, args, null);
        return processResult(empty(), args, CacheStatus.MISS, false);
    }

    /**
     * A synchronous refresh of stale data failed: the stale data answers when the source breaker is
     * open, or when stale-if-error allows it (then the key is held off, {@link #holdOffAfterFailSafe});
     * otherwise the failure is rethrown.
     */
    private V staleOnFailure(CacheSlot cache, String key, K args, CacheEntry<V> entry, Duration delta,
                             RuntimeException failure) {
        if (failure instanceof SourceUnavailableException open) {
            log.debug("{} {}: source breaker {}, serving stale", name, key, open.state());
            return processResult(entry.data(), args, CacheStatus.STALE, false);
        }
        if (!servesStaleOnError(delta, failure)) {
            throw failure;
        }
        failSafe(key, delta, failure);
        holdOffAfterFailSafe(cache, key, args, entry, failure);
        return processResult(entry.data(), args, CacheStatus.STALE, false);
    }

    /** Stale data answered because its synchronous refresh is slower than the soft fetch timeout (it goes on). */
    private V staleOnSoftTimeout(String key, K args, CacheEntry<V> entry) {
        log.debug("{} {}: refresh slower than the soft fetch timeout, serving stale", name, key);
        return processResult(entry.data(), args, CacheStatus.STALE, false);
    }

    /**
     * The stale branch of {@link #get}, kept out of it so that the hit path stays a small method the
     * JIT inlines whole.
     */
    private V stale(CacheSlot cache, String key, K args, CacheEntry<V> entry) {
        counters.stale.increment();
        Duration delta = Duration.between(entry.expiry(), now());
        if (shouldStaleItemBeFetchedSynchronously(delta, args)) {
            log.debug("{} {}: stale by {}, refreshing synchronously", name, key, delta);
            cacheback.listener().onStale(name, key, true);
            Object loaded;
            try {
                loaded = load(cache, key, args, true);
            } catch (RuntimeException failure) {
                return staleOnFailure(cache, key, args, entry, delta, failure);
            }
            if (loaded == SOFT_TIMEOUT) {
                return staleOnSoftTimeout(key, args, entry);
            }
            @SuppressWarnings("unchecked")
            V data = (V) loaded;
            return processResult(data, args, CacheStatus.STALE, true);
        }
        return staleServed(cache, key, args, entry, delta);
    }

    /**
     * {@link #get(Object)} for a no-argument job.
     *
     * @throws IllegalStateException if this job takes arguments
     */
    public final V get() {
        requireNoArgs("get()", "get(args)");
        return get(null);
    }

    /**
     * Returns the data for many arguments at once, by the rules of {@link #get} applied to each key,
     * after one lookup of all the keys ({@link dev.cacheback.spi.CacheBackend#getAll}: one round trip
     * per server on Redis and memcached).
     *
     * <ul>
     *   <li>Fresh entries answer ({@link CacheStatus#HIT}).</li>
     *   <li>Stale entries answer their data, and each key is marked for refresh as {@code get} marks it
     *       (the key's lease, a conditional re-store, one refresh task per key); a key that
     *       {@link #shouldStaleItemBeFetchedSynchronously} sends to a synchronous refresh is fetched
     *       with the misses, under the same stale-if-error, soft timeout and breaker rules as {@code get}.</li>
     *   <li>Missing keys are fetched together: one call of {@link #fetchMany} with every missing key
     *       this call leads; a key another caller in this process is already fetching (through
     *       {@code get} or {@code getMany}) is waited for instead, so one key is fetched once however
     *       many callers want it. Each result is stored as {@code get}'s miss stores it (fenced on
     *       the entry the fetch started from, read back under verify-writes). Without a fetch on miss
     *       ({@link #shouldMissingItemBeFetchedSynchronously} false) a key answers {@link #empty()}
     *       and one refresh task is enqueued.</li>
     * </ul>
     * Every key passes through {@link #processResult} and is reported to the listener as a {@code get}
     * of it would be. A cache that fails is logged and its keys are fetched. With a
     * {@linkplain #softFetchTimeout() soft} or {@linkplain #hardFetchTimeout() hard fetch timeout}, the
     * fetches run on the runtime's fetch executor and the call waits for each key at most that long,
     * counted from the start of the fetches.
     *
     * @param args the arguments; duplicates are read once (and arguments a {@link #key} override maps
     *     to one key share that key's answer); none may be {@code null}
     * @return an unmodifiable map from each distinct argument, in the iteration order of
     *     {@code args}, to its data; a value is {@code null} where the data (or {@link #empty()}) is
     *     {@code null}. Empty for empty {@code args}
     * @throws NullPointerException  if {@code args} is or contains {@code null}
     * @throws IllegalStateException if this is a no-argument job
     * @throws FetchException        if a synchronous fetch threw a checked exception (unchecked ones are
     *                               rethrown as they are); when several keys fail, the first in the
     *                               order of {@code args} is thrown, after every key was answered or
     *                               stored; the data fetched for the other keys is stored
     * @throws CachebackException    if an argument cannot be encoded (before anything is read), or
     *                               (with verify-writes on) fetched data could not be stored
     * @throws FetchTimeoutException as {@link #get} does, for the first key that timed out
     * @throws SourceUnavailableException on a missing key while the job's source breaker is open
     */
    public final Map<K, V> getMany(Collection<? extends K> args) {
        Objects.requireNonNull(args, "args");
        if (noArgs) {
            throw new IllegalStateException("getMany(args) is for jobs with arguments; job " + name
                    + " takes none (Job<Void, V>): call get()");
        }
        Map<K, String> keyOf = new LinkedHashMap<>();
        int position = 0;
        for (K a : args) {
            if (a == null) {
                throw new NullPointerException("args[" + position + "] is null (job " + name
                        + " takes arguments of type " + argType.getTypeName() + "; getMany takes no null argument)");
            }
            if (!keyOf.containsKey(a)) {
                keyOf.put(a, keyFor(a));
            }
            position++;
        }
        if (keyOf.isEmpty()) {
            return Collections.emptyMap();
        }
        Map<String, K> argsOf = new LinkedHashMap<>();
        keyOf.forEach((a, key) -> argsOf.putIfAbsent(key, a));
        Map<String, V> answers = readAndAnswer(slot(), argsOf);
        Map<K, V> result = new LinkedHashMap<>(keyOf.size() * 2);
        keyOf.forEach((a, key) -> result.put(a, answers.get(key)));
        return Collections.unmodifiableMap(result);
    }

    /**
     * Marks the entry stale and refreshes it in the background (DESIGN.md S6): when an entry exists
     * it is re-stored to expire after {@link #refreshTimeout()} (readers keep getting it meanwhile)
     * and one refresh task is enqueued, unless a refresh of the key is already under way; when none
     * exists, nothing happens.
     */
    public final void invalidate(K args) {
        requireArgs(args);
        String key = keyFor(args);
        CacheSlot cache = slot();
        CacheEntry<V> entry = read(cache, key);
        if (entry == null) {
            log.debug("{} {}: invalidate found no entry", name, key);
            return;
        }
        markForRefresh(cache, key, args, entry);
    }

    /** {@link #invalidate(Object)} for a no-argument job. */
    public final void invalidate() {
        requireNoArgs("invalidate()", "invalidate(args)");
        invalidate(null);
    }

    /**
     * Removes the entry (DESIGN.md S7).
     *
     * @throws dev.cacheback.spi.CacheBackendException when the cache cannot be reached
     */
    public final void delete(K args) {
        requireArgs(args);
        String key = keyFor(args);
        slot().backend().delete(key);
        log.debug("{} {}: deleted", name, key);
    }

    /** {@link #delete(Object)} for a no-argument job. */
    public final void delete() {
        requireNoArgs("delete()", "delete(args)");
        delete(null);
    }

    /**
     * Stores {@code data} as fresh, expiring at {@link #expiry(Object) expiry(args)} (DESIGN.md S8), or
     * after {@link #lifetimeFor} when that hook gives this data a lifetime of its own.
     *
     * @throws CachebackException when (with verify-writes on) the data could not be stored
     * @throws dev.cacheback.spi.CacheBackendException when the cache cannot be reached
     */
    public final void set(K args, V data) {
        requireArgs(args);
        String key = keyFor(args);
        store(slot(), key, new CacheEntry<>(expiryFor(args, data), data, CacheEntry.newVersion()), false);
    }

    /**
     * {@link #set(Object, Object)} for a no-argument job.
     *
     * @throws IllegalStateException if this job takes arguments
     */
    public final void set(V data) {
        requireNoArgs("set(data)", "set(args, data)");
        set(null, data);
    }

    /**
     * The stored entry, or empty: never fetches, never enqueues (DESIGN.md S9). Unreadable bytes at
     * the key read as empty.
     *
     * @throws dev.cacheback.spi.CacheBackendException when the cache cannot be reached
     */
    public final Optional<CacheEntry<V>> rawGet(K args) {
        requireArgs(args);
        String key = keyFor(args);
        try {
            return Optional.ofNullable(slot().backend().get(key, entryCodec));
        } catch (CorruptEntryException e) {
            corrupt(key, e);
            return Optional.empty();
        }
    }

    /** {@link #rawGet(Object)} for a no-argument job. */
    public final Optional<CacheEntry<V>> rawGet() {
        requireNoArgs("rawGet()", "rawGet(args)");
        return rawGet(null);
    }

    /**
     * Fetches now, stores the data as fresh and returns it (DESIGN.md S10). Not shared with other
     * callers, not processed by {@link #processResult}.
     *
     * @throws FetchException when {@code fetch} throws a checked exception (unchecked ones as they are)
     * @throws dev.cacheback.spi.CacheBackendException when the cache cannot be reached
     */
    public final V refresh(K args) {
        requireArgs(args);
        CacheSlot cache = slot();
        String key = keyFor(args);
        return refreshInto(cache, key, args, versionAt(cache, key, false), false);
    }

    /** {@link #refresh(Object)} for a no-argument job. */
    public final V refresh() {
        requireNoArgs("refresh()", "refresh(args)");
        return refresh(null);
    }

    /**
     * Enqueues a refresh of {@code args} (DESIGN.md S11). When the queue cannot take it, logs an
     * error and refreshes synchronously; when that fails too, logs it and stores nothing. Does not
     * take the key's lease: every call enqueues.
     */
    public final void asyncRefresh(K args) {
        requireArgs(args);
        enqueue(slot(), keyFor(args), args, null, null);
    }

    /** {@link #asyncRefresh(Object)} for a no-argument job. */
    public final void asyncRefresh() {
        requireNoArgs("asyncRefresh()", "asyncRefresh(args)");
        asyncRefresh(null);
    }

    // ------------------------------------------------------------------ hooks

    /**
     * Does the expensive read. Called in a user's thread on a synchronous miss, in a worker on a
     * refresh. May throw: unchecked exceptions reach a synchronous caller as they are, checked ones
     * wrapped in {@link FetchException}; in a worker, the failure is logged and the entry left as it
     * was.
     */
    protected abstract V fetch(K args) throws Exception;

    /** What a miss returns while the refresh runs, when a miss is not fetched synchronously. Default {@code null}. */
    protected V empty() {
        return null;
    }

    /**
     * Fetches many arguments at once, for {@link #getMany}: called with the arguments of the keys a
     * {@code getMany} call found missing (and the stale ones it refreshes synchronously), never with
     * keys another caller is fetching at the same moment. Override it when the source has a bulk read
     * (one query with {@code IN (…)}, one multi-get request). Never called by {@link #get}, by
     * {@link #refresh} or by a worker: those call {@link #fetch}.
     *
     * <p>Default: one {@link #fetch} per argument, up to
     * {@linkplain Cacheback.Builder#fetchManyConcurrency the runtime's fetchManyConcurrency} (default 8)
     * at once, the caller's thread running one and the runtime's
     * {@linkplain Cacheback.Builder#fetchExecutor fetch executor} the others; the first failure (in
     * the set's order) is thrown after every fetch ended. While this default is not overridden,
     * {@code getMany} fetches each key on its own: a key whose fetch fails fails only that key, and the
     * source breaker and the listener see one fetch per key.
     *
     * <p>An override may leave arguments out of its map: each one left out is treated as if its fetch
     * had returned {@link #empty()} (stored as such unless {@link #shouldStore} says otherwise, for
     * {@link #lifetimeFor}'s lifetime: negative caching). Entries for arguments it was not given are
     * ignored. Whatever it throws fails every key of the call (checked exceptions wrapped in
     * {@link FetchException}) and counts as one failure for the source breaker.
     *
     * <p>Runs in the thread of the {@code getMany} caller, or on the fetch executor when the job has
     * a fetch timeout; calls for disjoint sets of keys may run at the same time, so an override must
     * be thread-safe, like {@link #fetch}.
     *
     * @param args the arguments to fetch, not empty, unmodifiable; none is {@code null}
     * @return the data of each argument; may hold {@code null} values; must not be {@code null}
     * @throws Exception whatever the source throws: it reaches the {@code getMany} caller as
     *     {@link #fetch}'s exceptions reach a {@code get} caller
     */
    protected Map<K, V> fetchMany(Set<K> args) throws Exception {
        List<K> list = new ArrayList<>(args);
        Object[] results = fetchBounded(list.size(), i -> fetch(list.get(i)));
        Map<K, V> fetched = new HashMap<>(list.size() * 2);
        for (int i = 0; i < results.length; i++) {
            if (results[i] instanceof FetchFailure failure) {
                if (failure.error() instanceof Exception e) {
                    throw e;
                }
                throw (Error) failure.error();
            }
            @SuppressWarnings("unchecked")
            V data = (V) results[i];
            fetched.put(list.get(i), data);
        }
        return fetched;
    }

    /**
     * Whether the key an overridden {@link #key} gives for {@code args} is checked against the key rule
     * ({@link Keys}) on this call. Default {@code true}: a key override's result is checked on every
     * call. An override may answer {@code false} for arguments whose key it took from the default
     * computation ({@code super.key(args)}, which always makes a valid key) and remembered, so that its
     * hits skip the scan; answering {@code false} for any other key lets an invalid key reach the cache.
     * Not consulted for a job that does not override {@link #key}.
     */
    protected boolean checksKey(K args) {
        return true;
    }

    /** When data fetched now goes stale: now + {@link #lifetime()}. */
    protected Instant expiry(K args) {
        return now().plus(lifetime());
    }

    /** When an entry marked for refresh goes stale again if the refresh has not replaced it: now + {@link #refreshTimeout()}. */
    protected Instant timeout(K args) {
        return now().plus(refreshTimeout());
    }

    /**
     * The cache key of {@code args}. Default: the job's {@link #name()}, {@code ':'}, and 32 hex digits
     * of SHA-256 over the codec's encoding of the arguments; a no-argument job's key is its name.
     * Stable across processes and restarts. An override must return 1 to 240 bytes of printable ASCII
     * without spaces ({@link Keys}), or every call fails with an error naming the rule.
     *
     * @throws CachebackException when {@code args} cannot be encoded
     */
    public String key(K args) {
        if (noArgs) {
            return name;
        }
        KeyMemo memo = keyMemo;
        if (memo != null && KeyMemo.memoizable(args)) {
            String key = memo.get(args);
            if (key == null) {
                key = KeyHasher.key(name, encodeArgs(args));
                memo.put(args, key);
            }
            return key;
        }
        return KeyHasher.key(name, encodeArgs(args));
    }

    /**
     * Transforms the data right before {@link #get} returns it. Default: returns {@code result}.
     *
     * @param syncFetch {@code true} if this call fetched, {@code false} if a refresh was left to a
     *                  worker, {@code null} on a hit
     */
    protected V processResult(V result, K args, CacheStatus status, Boolean syncFetch) {
        return result;
    }

    /** Whether a miss fetches in the caller's thread. Default: {@link #fetchOnMiss()}. */
    protected boolean shouldMissingItemBeFetchedSynchronously(K args) {
        return fetchOnMiss();
    }

    /**
     * Whether stale data is too stale to serve. Default: false without a
     * {@link #fetchOnStaleThreshold()}; otherwise {@code delta > threshold - lifetime}, that is, the
     * data is older than the threshold counted from its fetch.
     *
     * @param delta how long ago the data went stale
     */
    protected boolean shouldStaleItemBeFetchedSynchronously(Duration delta, K args) {
        Duration threshold = fetchOnStaleThreshold();
        return threshold != null && delta.compareTo(threshold.minus(lifetime())) > 0;
    }

    /**
     * Whether data just fetched is stored. Default {@code true}. When false, the data still answers
     * the callers of a synchronous fetch (and {@link #refresh}), and a worker's refresh counts as done,
     * but the entry is left as it was: none after a miss, the stale entry after a refresh (stale
     * again after its refresh timeout). Spring Cache's {@code unless}.
     */
    protected boolean shouldStore(K args, V data) {
        return true;
    }

    /**
     * How long {@code data}, just fetched or given to {@link #set}, stays fresh: negative and
     * conditional caching, for example a minute for "not found" ({@code null}) and the job's lifetime
     * for the rest. Return {@code null} (the default) for {@link #expiry(Object) expiry(args)}, that is
     * the seed's behaviour; {@link Duration#ZERO} stores the data already stale (the next read serves
     * it and refreshes). Whether the data is stored at all is {@link #shouldStore}'s to say.
     *
     * @param data the data, {@code null} when the fetch returned null
     * @return the lifetime of this data, or {@code null} for the job's expiry; never negative (a
     *     negative lifetime fails the store with an {@link IllegalStateException} naming the job)
     */
    protected Duration lifetimeFor(K args, V data) {
        return null;
    }

    /**
     * What a worker in another process needs, besides the arguments, to rebuild this job: the seed's
     * init arguments. Travels with every task. Default: nothing.
     */
    protected Map<String, String> initArgs() {
        return Map.of();
    }

    /**
     * The job a worker runs for a task that carries {@code init}. Default: this job. Jobs with
     * {@link #initArgs()} return a job built from them, after checking them; throwing rejects the
     * task (it is dead-lettered or dropped, never retried).
     */
    protected Job<K, V> forTask(Map<String, String> init) {
        return this;
    }

    // ------------------------------------------------------------------ settings

    /** The job's name: the first part of its keys, and how workers find it. */
    public final String name() {
        return name;
    }

    /** The settings given to the constructor. The methods below may override them. */
    public final JobSettings settings() {
        return settings;
    }

    /** How long fetched data stays fresh. */
    public Duration lifetime() {
        return settings.lifetime();
    }

    /** How long a refresh may take before another is tried; no second task is made for a key within it. */
    public Duration refreshTimeout() {
        return settings.refreshTimeout();
    }

    /** How long the backend keeps an entry. */
    public Duration cacheTtl() {
        return settings.cacheTtl();
    }

    /** The named cache used, or {@code null} for the runtime's default alias. */
    public String cacheAlias() {
        return settings.cacheAlias();
    }

    /** Whether a miss fetches in the caller's thread. */
    public boolean fetchOnMiss() {
        return settings.fetchOnMiss();
    }

    /** How old data may be before a read refreshes synchronously, or {@code null} for never. */
    public Duration fetchOnStaleThreshold() {
        return settings.fetchOnStaleThreshold();
    }

    /** Options handed to the refresh queue with each task. */
    public TaskOptions taskOptions() {
        return settings.taskOptions();
    }

    /**
     * Stale-if-error: how long past its expiry stale data may answer a read whose synchronous refresh
     * failed, or {@code null} for never (the failure reaches the caller). See
     * {@link JobSettings.Builder#failSafeMaxStaleness}.
     */
    public Duration failSafeMaxStaleness() {
        return settings.failSafeMaxStaleness();
    }

    /**
     * How long a read with stale data waits for its synchronous refresh before answering the stale
     * data, or {@code null} for as long as it takes. See {@link JobSettings.Builder#softFetchTimeout}.
     */
    public Duration softFetchTimeout() {
        return settings.softFetchTimeout();
    }

    /**
     * How long a read waits for its synchronous fetch before throwing {@link FetchTimeoutException},
     * or {@code null} for as long as it takes. See {@link JobSettings.Builder#hardFetchTimeout}.
     */
    public Duration hardFetchTimeout() {
        return settings.hardFetchTimeout();
    }

    /**
     * The state of this job's source breaker ({@link JobSettings.Builder#sourceBreaker}):
     * {@link SourceState#CLOSED} when the job has none.
     */
    public final SourceState sourceState() {
        SourceBreaker b = sourceBreaker();
        return b == null ? SourceState.CLOSED : b.state();
    }

    /**
     * What the jobs of this name have done in this runtime: hits, stale reads, misses, fetches running
     * now, failed fetches, the latest {@value JobState#ERRORS_KEPT} errors, and the backoff and source
     * breaker when the job has them. Counts are kept per job name and runtime, so jobs constructed per
     * request add to the same ones. Cheap (no I/O); thread-safe; never {@code null}.
     */
    public final JobState state() {
        JobState.Backoff backoff = settings.refreshBackoffInitial() == null ? null
                : new JobState.Backoff(settings.refreshBackoffInitial(), settings.refreshBackoffMax(),
                        counters.backedOff.sum(), counters.lastBackoffUntil());
        SourceBreaker b = sourceBreaker();
        JobState.Breaker breaker = b == null ? null : new JobState.Breaker(b.state(), b.failures(),
                b.state() == SourceState.CLOSED ? null : b.nextProbe(), LogText.escape(b.lastFailure()));
        return new JobState(name, counters.hits.sum(), counters.stale.sum(), counters.misses.sum(),
                counters.inFlight.sum(), counters.failures.sum(), counters.errors(), backoff, breaker);
    }

    /** The runtime this job runs on. */
    public final Cacheback cacheback() {
        return cacheback;
    }

    /** The declared argument type. */
    public final Type argType() {
        return argType;
    }

    /** The declared value type. */
    public final Type valueType() {
        return valueType;
    }

    /** The current instant on the runtime's clock. */
    protected final Instant now() {
        return cacheback.clock().instant();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + "]";
    }

    // ------------------------------------------------------------------ engine

    /**
     * {@code now < expiry}, without allocating on the hit path: compares epoch milliseconds, and the
     * full instants only when both fall in the same millisecond.
     */
    private boolean isFresh(CacheEntry<V> entry) {
        return isFresh(entry, cacheback.clock().millis());
    }

    /** {@link #isFresh(CacheEntry)} at {@code nowMillis}, a clock reading the caller has just made. */
    private boolean isFresh(CacheEntry<V> entry, long nowMillis) {
        long fresh = freshMillis(entry.expiry(), nowMillis);
        return fresh > 0 || fresh == 0 && now().isBefore(entry.expiry());
    }

    /**
     * How many milliseconds data expiring at {@code expiry} stays fresh after {@code nowMillis}: positive
     * while fresh, negative once stale, 0 within the expiry's own millisecond (where only the full
     * instants tell); saturated for expiries beyond epoch milliseconds. Allocates nothing.
     */
    private static long freshMillis(Instant expiry, long nowMillis) {
        try {
            return Math.subtractExact(expiry.toEpochMilli(), nowMillis);
        } catch (ArithmeticException beyondMillis) {
            return expiry.getEpochSecond() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
    }

    /** The largest value of {@code −ln U} for {@code U = 1 − nextDouble()} ({@code U ≥ 2^−53}). */
    private static final double MAX_EXPONENTIAL_DRAW = 53 * Math.log(2);

    /**
     * For fresh data {@code remaining} milliseconds from its expiry: when it is due for an early refresh
     * (XFetch: {@code remaining ≤ δ·β·(−ln U)}; or within the last {@code refreshAhead} of the lifetime),
     * takes the key's lease and enqueues one refresh, leaving the entry's expiry as it is. No allocation
     * unless it refreshes; no random draw while the entry is farther from its expiry than any draw could reach.
     */
    private void refreshEarlyIfDue(CacheSlot cache, String key, K args, CacheEntry<V> entry, long remaining) {
        double ahead = settings.refreshAhead();
        double beta = settings.earlyRefreshBeta();
        boolean due = ahead > 0 && remaining <= ahead * lifetime().toMillis();
        if (!due && beta > 0 && entry.fetchMillis() > 0) {
            double window = entry.fetchMillis() * beta;
            // −ln U never exceeds 53·ln 2 for a double U ≥ 2^−53: farther from expiry, no draw is needed
            if (remaining <= window * MAX_EXPONENTIAL_DRAW) {
                double u = 1.0 - ThreadLocalRandom.current().nextDouble();   // uniform in (0, 1]
                due = remaining <= window * -Math.log(u);
            }
        }
        if (due) {
            log.debug("{} {}: fresh for {} ms more, refreshing early", name, key, remaining);
            cacheback.listener().onEarlyRefresh(name, key);
            markEarly(cache, key, args, entry);
        }
    }

    /** The expiry of an entry storing {@code data}: {@link #lifetimeFor} if it answers, else {@link #expiry}. */
    private Instant expiryFor(K args, V data) {
        Duration lifetime = lifetimeFor(args, data);
        if (lifetime == null) {
            return expiry(args);
        }
        if (lifetime.isNegative()) {
            throw new IllegalStateException("Job " + name + ": lifetimeFor returned a negative lifetime (" + lifetime
                    + "); return null for the job's lifetime, or a duration of zero or more");
        }
        return now().plus(lifetime);
    }

    private V miss(CacheSlot cache, String key, K args) {
        counters.misses.increment();
        if (shouldMissingItemBeFetchedSynchronously(args)) {
            log.debug("{} {}: miss, fetching synchronously", name, key);
            cacheback.listener().onMiss(name, key, true);
            @SuppressWarnings("unchecked")
            V data = (V) load(cache, key, args, false);
            return processResult(data, args, CacheStatus.MISS, true);
        }
        return missEnqueued(cache, key, args);
    }

    /**
     * Whether a read whose synchronous refresh of data stale by {@code delta} failed answers the stale
     * data instead: stale-if-error is on, the data is not older than it allows, and the failure is the
     * fetch's (not a store the cache refused under verify-writes, which is a configuration error).
     */
    private boolean servesStaleOnError(Duration delta, RuntimeException failure) {
        Duration max = failSafeMaxStaleness();
        if (max == null || delta.compareTo(max) > 0) {
            return false;
        }
        return !(failure instanceof CachebackException) || failure instanceof FetchException
                || failure instanceof FetchTimeoutException;
    }

    private void failSafe(String key, Duration delta, RuntimeException failure) {
        cacheback.listener().onFailSafe(name, key, delta, failure);
        cacheback.errorLog().error("fail-safe " + name, "Job " + name + " key " + key + ": synchronous refresh failed, "
                + "answering data stale by " + delta + " instead (failSafeMaxStaleness " + failSafeMaxStaleness()
                + "): " + failure, failure);
    }

    /**
     * What a failed shared fetch throws to a waiting reader: its unchecked exception as it is, a checked
     * one wrapped in {@link FetchException}; an {@link Error} is thrown from here.
     */
    private RuntimeException fetchFailure(String key, ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException re) {
            return re;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new FetchException(name, key, cause);
    }

    /**
     * After stale-if-error answered a read, keeps the next reads of the key from calling the failing
     * source each in turn: with a {@linkplain JobSettings.Builder#refreshBackoff refresh backoff} the
     * failure counts toward the key's backoff (recorded in the entry, so every process waits it out);
     * without one the failure is treated as a failed background refresh is (S12): the entry is
     * re-armed to go stale again after the refresh timeout, whose first stale read then enqueues the
     * next try. Both writes are conditional on the version read, so a newer entry stands. A fetch that
     * only outlasted its hard timeout is still running and stores when it ends, so nothing is added for it.
     */
    private void holdOffAfterFailSafe(CacheSlot cache, String key, K args, CacheEntry<V> entry, RuntimeException failure) {
        if (failure instanceof FetchTimeoutException) {
            return;
        }
        if (settings.refreshBackoffInitial() != null) {
            Instant retryAt = backOff(cache, key, entry.version());
            if (retryAt != null) {
                log.debug("{} {}: source failed, next try after the key's backoff, at {}", name, key, retryAt);
            }
            return;
        }
        CacheEntry<V> rearmed = new CacheEntry<>(timeout(args), entry.data(), CacheEntry.newVersion(), entry.failures(),
                entry.fetchMillis());
        storeIfVersion(cache, key, entry.version(), rearmed, true, false);
    }

    /**
     * A synchronous load for a read: {@link #loadShared} in the caller's thread when the job has no
     * fetch timeout; else the same shared load on the runtime's fetch executor, waited for at most the
     * soft timeout (only when {@code staleAvailable}; then {@link #SOFT_TIMEOUT} is returned) or the
     * hard one ({@link FetchTimeoutException}). A load the caller stops waiting for goes on and stores.
     */
    private Object load(CacheSlot cache, String key, K args, boolean staleAvailable) {
        Duration soft = staleAvailable ? softFetchTimeout() : null;
        Duration hard = hardFetchTimeout();
        if (soft == null && hard == null) {
            return loadShared(cache, key, args);
        }
        boolean softFirst = soft != null && (hard == null || soft.compareTo(hard) < 0);
        Duration wait = softFirst ? soft : hard;
        java.util.concurrent.Executor executor = cacheback.fetchExecutor();
        if (observed) {
            java.util.concurrent.Executor pool = executor;
            executor = work -> pool.execute(cacheback.instrumentation().wrap(work));
        }
        CompletableFuture<V> flight = cacheback.singleFlight().start(cache.flightKey(key),
                () -> loadOnce(cache, key, args), executor);
        try {
            return flight.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            cacheback.listener().onFetchTimeout(name, key, wait, softFirst);
            if (softFirst) {
                return SOFT_TIMEOUT;
            }
            throw new FetchTimeoutException(name, key, hard);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CachebackException("Interrupted while waiting for the fetch of " + name + " key " + key, e);
        } catch (ExecutionException e) {
            throw fetchFailure(key, e);
        }
    }

    /**
     * One fetch per key in this process: concurrent callers share it. The leader reads the cache
     * once more first, so a caller that missed just before another's fetch was stored does not fetch
     * again.
     */
    private V loadShared(CacheSlot cache, String key, K args) {
        return cacheback.singleFlight().run(cache.flightKey(key), () -> loadOnce(cache, key, args));
    }

    /** The leader's part of a shared load: reads once more, then fetches and stores fenced on what it read. */
    private V loadOnce(CacheSlot cache, String key, K args) {
        CacheEntry<V> entry = read(cache, key, false);
        if (entry != null && isFresh(entry)) {
            return entry.data();
        }
        return refreshInto(cache, key, args, entry == null ? CacheEntry.NO_ENTRY : entry.version(), true);
    }

    /**
     * A read found stale data (or nothing, without fetching): marks the entry for refresh in this
     * thread, or — when the runtime has a {@linkplain Cacheback.Builder#markStaleInBackground stale-read
     * dispatcher} — on it, at most one mark per key in flight in this process, so the reader returns
     * after its read alone. The mark is conditional on the version this read saw, so doing it a moment
     * later changes nothing it decides.
     */
    private void markFromRead(CacheSlot cache, String key, K args, CacheEntry<V> seen) {
        if (cacheback.staleReadDispatcher() == null) {
            markForRefresh(cache, key, args, seen);
            return;
        }
        Runnable mark = () -> {
            try {
                markForRefresh(cache, key, args, seen);
            } catch (RuntimeException | Error e) {
                log.error("{} {}: marking the stale entry for refresh failed", name, key, e);
            }
        };
        if (!cacheback.dispatchMark(cache.flightKey(key), observed ? cacheback.instrumentation().wrap(mark) : mark)) {
            cacheback.listener().onRefreshDeduplicated(name, key);
        }
    }

    /**
     * Takes the key's lease; if taken, re-stores the entry this call read ({@code seen}, or
     * {@link #empty()} when it read none) to go stale after the refresh timeout — conditionally on
     * the version it read, so that an entry replaced since (a refresh that just finished, a
     * {@code set}, a {@code delete}) stands and no task is made — and enqueues one refresh carrying
     * the lease's token. One round trip to a cache that does both in one step (Redis), two otherwise,
     * besides the enqueue.
     */
    private void markForRefresh(CacheSlot cache, String key, K args, CacheEntry<V> seen) {
        CacheEntry<V> marked = seen == null ? new CacheEntry<>(timeout(args), empty(), CacheEntry.newVersion())
                : new CacheEntry<>(timeout(args), seen.data(), CacheEntry.newVersion(), seen.failures(), seen.fetchMillis());
        String token;
        try {
            token = cache.backend().tryLeaseAndSetIfVersion(key, refreshTimeout(),
                    seen == null ? CacheEntry.NO_ENTRY : seen.version(), marked, cacheTtl(), entryCodec);
        } catch (EntryTooLargeException | CodecException e) {
            unableToSave(cache, marked, e);
            return;
        } catch (RuntimeException e) {
            cache.failed("lease", e);
            return;
        }
        if (token == null) {
            log.debug("{} {}: refresh already under way elsewhere, or the entry was replaced since it was read", name, key);
            cacheback.listener().onRefreshDeduplicated(name, key);
            return;
        }
        enqueue(cache, key, args, token, marked.version());
    }

    /**
     * Takes the key's lease and enqueues one refresh of a still-fresh entry, re-storing it unchanged
     * but for a new version (the conditional write shares the lease's round trip; the refresh fences
     * on that version).
     */
    private void markEarly(CacheSlot cache, String key, K args, CacheEntry<V> seen) {
        CacheEntry<V> marked = new CacheEntry<>(seen.expiry(), seen.data(), CacheEntry.newVersion(), seen.failures(),
                seen.fetchMillis());
        String token;
        try {
            token = cache.backend().tryLeaseAndSetIfVersion(key, refreshTimeout(), seen.version(), marked, cacheTtl(), entryCodec);
        } catch (RuntimeException e) {
            cache.failed("lease", e);
            return;
        }
        if (token == null) {
            cacheback.listener().onRefreshDeduplicated(name, key);
            return;
        }
        enqueue(cache, key, args, token, marked.version());
    }

    /**
     * Enqueues a refresh carrying {@code token} (or none). When the queue refuses (down, or the job's
     * task options are not honoured), refreshes in this thread instead, fenced on {@code base} (the
     * version this call wrote, or {@code null} to read it), and gives the lease back.
     */
    private void enqueue(CacheSlot cache, String key, K args, String token, Long base) {
        Instrumentation.Observed observation = Instrumentation.Observed.NONE;
        try {
            checkTaskOptions();
            Map<String, String> trace = Map.of();
            if (observed) {
                trace = new java.util.HashMap<>();
                String queue = taskOptions().queue();
                observation = cacheback.instrumentation().enqueue(name,
                        queue != null ? queue : dev.cacheback.spi.RefreshQueue.DEFAULT_QUEUE, trace);
            }
            RefreshTask task = new RefreshTask(name, key, noArgs ? new byte[0] : encodeArgs(args), initArgs(),
                    taskOptions(), now(), token, trace);
            if (cacheback.queue().enqueue(task)) {
                log.debug("{} {}: refresh enqueued", name, key);
                cacheback.listener().onRefreshEnqueued(name, key);
                observation.tag("outcome", "enqueued");
            } else {
                observation.tag("outcome", "dropped");
                if (token != null) {
                    // dropped on purpose (a task for the key is already waiting): that task takes the lease
                    releaseLease(cache, key, token);
                }
            }
            observation.close();
        } catch (RuntimeException e) {
            observation.tag("outcome", "fallback");
            observation.error(e);
            observation.close();
            cacheback.errorLog().error("queue", "Unable to enqueue refresh of " + name + " key " + key + " on "
                    + cacheback.queue().describe() + "; refreshing synchronously instead: " + e.getMessage(), e);
            cacheback.listener().onRefreshFallback(name, key, e);
            counters.error(now(), key, "enqueue failed on " + cacheback.queue().describe() + ", refreshed synchronously: " + e);
            try {
                refreshInto(cache, key, args, base != null ? base : versionAt(cache, key, true), true);
            } catch (RuntimeException failure) {
                log.error("Synchronous fallback refresh of {} key {} failed; nothing stored", name, key, failure);
                cacheback.listener().onRefreshFailed(name, key, failure);
            } finally {
                if (token != null) {
                    releaseLease(cache, key, token);
                }
            }
        }
    }

    /**
     * Runs a task for this job in a worker (see {@link Cacheback#runTask}): checks that the task's
     * lease is still its own (else takes the lease anew, or skips the task when another refresh holds
     * it), keeps the lease and the delivery alive while it refreshes, stores fenced on the version it
     * started from, and gives the lease back.
     */
    final TaskResult runTask(RefreshTask task, TaskDelivery delivery) {
        Job<K, V> target;
        K args;
        String key;
        try {
            target = Objects.requireNonNull(forTask(task.init()), "forTask returned null");
            args = target.decodeArgs(task.args());
            key = target.keyFor(args);
        } catch (RuntimeException e) {
            String reason = "Task for job " + name + " key " + LogText.escape(task.key()) + " cannot be run: " + e.getMessage();
            log.error(reason, e);
            return TaskResult.rejected(reason, e);
        }
        if (!key.equals(task.key())) {
            log.warn("Task for job {} was made for key {} but its arguments give key {} here: "
                    + "are producer and worker running different versions?", name, LogText.escape(task.key()), key);
        }
        CacheSlot cache = target.slot();
        Duration leaseTtl = target.refreshTimeout();
        String token = task.leaseToken();
        if (token != null && !target.stillLeased(cache, key, token, leaseTtl)) {
            try {
                token = cache.backend().tryLease(key, leaseTtl);
            } catch (RuntimeException e) {
                cache.failed("lease", e);
                return TaskResult.failed("cannot take the lease of key " + key + ": " + e, e);
            }
            if (token == null) {
                log.debug("{} {}: skipped, another refresh holds the key's lease", name, key);
                return TaskResult.skipped("another refresh of key " + key + " holds its lease");
            }
        }
        ScheduledFuture<?> heartbeat = target.heartbeat(cache, key, token, leaseTtl, delivery);
        Long base = null;
        try {
            base = target.versionAt(cache, key, false);
            target.refreshInto(cache, key, args, base, false);
            return TaskResult.done();
        } catch (SourceUnavailableException e) {
            log.debug("{} {}: refresh skipped, the source breaker is {}", name, key, e.state());
            return TaskResult.skipped("the source breaker of job " + name + " is " + e.state()
                    + "; a later stale read enqueues a new refresh");
        } catch (RuntimeException e) {
            Instant retryAt = base == null ? null : target.backOff(cache, key, base);
            if (retryAt != null) {
                log.error("Refresh of {} key {} failed; the key's next try is after its backoff, at {}", name, key, retryAt, e);
                cacheback.listener().onRefreshFailed(name, key, e);
                return TaskResult.skipped("refresh failed (" + e + "); the key's backoff retries it after " + retryAt);
            }
            log.error("Refresh of {} key {} failed; the entry is left as it was", name, key, e);
            cacheback.listener().onRefreshFailed(name, key, e);
            return TaskResult.failed("refresh failed: " + e, e);
        } finally {
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
            if (token != null) {
                target.releaseLease(cache, key, token);
            }
        }
    }

    /**
     * With a {@linkplain JobSettings.Builder#refreshBackoff refresh backoff}: re-stores the entry a
     * failed refresh started from (version {@code base}) with one more failure, to go stale after the
     * backoff. Returns when, or {@code null} when the job has no backoff, there is no entry, or it
     * was replaced meanwhile (then the newer entry stands and the queue's policy applies).
     */
    private Instant backOff(CacheSlot cache, String key, long base) {
        Duration initial = settings.refreshBackoffInitial();
        if (initial == null || base == CacheEntry.NO_ENTRY) {
            return null;
        }
        CacheEntry<V> entry;
        try {
            entry = cache.backend().get(key, entryCodec);
        } catch (RuntimeException e) {
            cache.failed("get", e);
            return null;
        }
        if (entry == null || entry.version() != base) {
            return null;
        }
        int failures = entry.failures() == Integer.MAX_VALUE ? Integer.MAX_VALUE : entry.failures() + 1;
        Instant retryAt = now().plus(backoff(initial, settings.refreshBackoffMax(), failures));
        CacheEntry<V> backedOff = new CacheEntry<>(retryAt, entry.data(), CacheEntry.newVersion(), failures, entry.fetchMillis());
        if (!Boolean.TRUE.equals(storeIfVersion(cache, key, base, backedOff, true, false))) {
            return null;
        }
        counters.backedOff(retryAt);
        return retryAt;
    }

    /** {@code initial · 2^(failures−1)}, capped at {@code max}, jittered by ±20 %. */
    static Duration backoff(Duration initial, Duration max, int failures) {
        long initialMillis = Math.max(1, initial.toMillis());
        long maxMillis = Math.max(initialMillis, max.toMillis());
        int doublings = Math.min(Math.max(0, failures - 1), 40);
        long millis = initialMillis > (maxMillis >> doublings) ? maxMillis : Math.min(maxMillis, initialMillis << doublings);
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.max(1, Math.round(millis * jitter)));
    }

    /** Whether {@code token} still holds the key's lease, extending it; a cache that fails counts as held. */
    private boolean stillLeased(CacheSlot cache, String key, String token, Duration ttl) {
        try {
            return cache.backend().extendLease(key, token, ttl);
        } catch (RuntimeException e) {
            cache.failed("extend lease", e);
            return true;
        }
    }

    /**
     * Every third of the lease (and at least as often as the delivery asks): extends the lease and
     * tells the transport the task is alive. {@code null} when there is nothing to keep alive.
     */
    private ScheduledFuture<?> heartbeat(CacheSlot cache, String key, String token, Duration leaseTtl,
                                         TaskDelivery delivery) {
        Duration deliveryInterval = delivery == null ? null : delivery.heartbeatInterval();
        if (token == null && deliveryInterval == null) {
            return null;
        }
        long period = Math.max(10, leaseTtl.toMillis() / 3);
        if (deliveryInterval != null) {
            period = Math.max(10, Math.min(period, deliveryInterval.toMillis()));
        }
        return cacheback.scheduler().scheduleAtFixedRate(() -> {
            if (token != null && !stillLeased(cache, key, token, leaseTtl)) {
                log.warn("{} {}: the refresh outlived its lease and another took it; its result will be stored "
                        + "only if no newer entry was written meanwhile", name, key);
            }
            if (delivery != null) {
                try {
                    delivery.heartbeat();
                } catch (RuntimeException e) {
                    log.warn("{} {}: heartbeat to the queue failed: {}", name, key, e.toString());
                }
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * The version of the entry at {@code key} now ({@link CacheEntry#NO_ENTRY} for none or unreadable
     * bytes): what a refresh fences its store on. When the cache fails: {@code null} ("do not store")
     * with {@code degrade}, else the exception.
     */
    private Long versionAt(CacheSlot cache, String key, boolean degrade) {
        try {
            CacheEntry<V> entry = cache.backend().get(key, entryCodec);
            return entry == null ? CacheEntry.NO_ENTRY : entry.version();
        } catch (CorruptEntryException e) {
            return CacheEntry.NO_ENTRY;
        } catch (RuntimeException e) {
            if (!degrade) {
                throw e;
            }
            cache.failed("get", e);
            return null;
        }
    }

    /**
     * Fetches and stores the data as fresh if the entry still has version {@code base} (DESIGN.md F2);
     * returns the data either way. {@code base == null}: the cache failed, do not store.
     */
    private V refreshInto(CacheSlot cache, String key, K args, Long base, boolean degrade) {
        Instant start = now();
        V data = timedFetch(key, args);
        storeFetched(cache, key, args, base, data, start, degrade);
        return data;
    }

    /**
     * Stores {@code data}, fetched since {@code start}, as fresh if the entry still has version
     * {@code base} (DESIGN.md F2). {@code base == null}: the cache failed, do not store.
     */
    private void storeFetched(CacheSlot cache, String key, K args, Long base, V data, Instant start, boolean degrade) {
        if (base != null && shouldStore(args, data)) {
            long fetchMillis = Math.max(0, Duration.between(start, now()).toMillis());
            CacheEntry<V> entry = new CacheEntry<>(expiryFor(args, data), data, CacheEntry.newVersion(), 0, fetchMillis);
            if (Boolean.FALSE.equals(storeIfVersion(cache, key, base, entry, degrade, true))) {
                log.debug("{} {}: refreshed data not stored: the entry was replaced (set, delete or another refresh) "
                        + "since the refresh began", name, key);
                cacheback.listener().onRefreshSuperseded(name, key);
            }
        }
    }

    /** {@link #fetchObserved}, counted among the job's fetches in flight ({@link #state()}). */
    private V timedFetch(String key, K args) {
        counters.inFlight.increment();
        try {
            return fetchObserved(key, args);
        } finally {
            counters.inFlight.decrement();
        }
    }

    /** Calls {@link #fetch} through the job's breaker, telling the listener and counting a failure. */
    private V fetchObserved(String key, K args) {
        SourceBreaker breaker = sourceBreaker();
        if (breaker != null && !breaker.allow()) {
            throw new SourceUnavailableException(name, key, breaker.state(), breaker.failures(), breaker.nextProbe(),
                    breaker.lastFailure());
        }
        Instant start = now();
        Instrumentation.Observed observation = observed ? cacheback.instrumentation().fetch(name, cacheAliasOrDefault())
                : Instrumentation.Observed.NONE;
        try {
            V data = fetch(args);
            cacheback.listener().onFetch(name, key, Duration.between(start, now()), null);
            if (breaker != null) {
                breaker.succeeded();
            }
            observation.tag("outcome", "success");
            return data;
        } catch (RuntimeException | Error e) {
            cacheback.listener().onFetch(name, key, Duration.between(start, now()), e);
            fetchFailed(key, e);
            if (breaker != null) {
                breaker.failed(e);
            }
            observation.tag("outcome", "failure");
            observation.error(e);
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            cacheback.listener().onFetch(name, key, Duration.between(start, now()), e);
            fetchFailed(key, e);
            if (breaker != null) {
                breaker.failed(e);
            }
            observation.tag("outcome", "failure");
            observation.error(e);
            throw new FetchException(name, key, e);
        } finally {
            observation.close();
        }
    }

    /** Counts a failed fetch and keeps it among the job's {@linkplain #state() latest errors}. */
    private void fetchFailed(String key, Throwable e) {
        counters.failures.increment();
        counters.error(now(), key, "fetch failed: " + e);
    }

    /** The breaker on this job's source, shared by the jobs of its name in the runtime; {@code null} without one. */
    private SourceBreaker sourceBreaker() {
        SourceBreaker b = sourceBreaker;
        if (b == null && settings.sourceBreakerFailures() > 0) {
            b = cacheback.sourceBreaker(name, settings.sourceBreakerFailures(), settings.sourceBreakerWindow());
            sourceBreaker = b;
        }
        return b;
    }

    /**
     * Stores an entry and (with verify-writes on) reads it back. {@code degrade}: a cache server that
     * fails is logged and the caller goes on (the get path); otherwise its exception propagates.
     * Data the cache cannot hold is an error under verify-writes either way, and logged otherwise.
     */
    private void store(CacheSlot cache, String key, CacheEntry<V> entry, boolean degrade) {
        try {
            cache.backend().set(key, entry, cacheTtl(), entryCodec);
        } catch (EntryTooLargeException | CodecException e) {
            unableToSave(cache, entry, e);
            return;
        } catch (RuntimeException e) {
            if (!degrade) {
                throw e;
            }
            cache.failed("set", e);
            return;
        }
        verifyStored(cache, key, entry, degrade);
    }

    /**
     * Stores an entry if the one there has version {@code expected}, as {@link #store} does otherwise.
     * {@code verify}: read it back under verify-writes (not for re-storing data that was read from
     * the cache a moment ago).
     *
     * @return whether it stored; {@code null} when the cache failed (with {@code degrade}) or could not
     *     hold the data (verify-writes off)
     */
    private Boolean storeIfVersion(CacheSlot cache, String key, long expected, CacheEntry<V> entry, boolean degrade,
                                   boolean verify) {
        boolean stored;
        try {
            stored = cache.backend().setIfVersion(key, expected, entry, cacheTtl(), entryCodec);
        } catch (EntryTooLargeException | CodecException e) {
            unableToSave(cache, entry, e);
            return null;
        } catch (RuntimeException e) {
            if (!degrade) {
                throw e;
            }
            cache.failed("set", e);
            return null;
        }
        if (stored && verify) {
            verifyStored(cache, key, entry, degrade);
        }
        return stored;
    }

    private void verifyStored(CacheSlot cache, String key, CacheEntry<V> entry, boolean degrade) {
        if (entry.data() != null && cacheback.verifyWrites()) {
            CacheEntry<V> readBack;
            try {
                readBack = cache.backend().get(key, entryCodec);
            } catch (RuntimeException e) {
                if (!degrade) {
                    throw e;
                }
                cache.failed("get", e);
                return;
            }
            if (readBack == null) {
                unableToSave(cache, entry, null);
            }
        }
    }

    private void unableToSave(CacheSlot cache, CacheEntry<V> entry, RuntimeException cause) {
        String message = "Unable to save data of type " + (entry.data() == null ? valueType.getTypeName()
                : entry.data().getClass().getName()) + " to cache \"" + cache.alias() + "\" ("
                + cache.backend().describe() + ")" + (cause != null ? ": " + cause.getMessage() : "");
        if (cacheback.verifyWrites()) {
            throw new CachebackException(message, cause);
        }
        log.error("{} (verify-writes is off, so the caller is answered anyway)", message, cause);
    }

    private CacheEntry<V> read(CacheSlot cache, String key) {
        return read(cache, key, true);
    }

    /**
     * Reads an entry, degrading a failing cache to "no entry". {@code reportCorrupt} is false for a
     * second read on the same call path, whose first read already reported unreadable bytes.
     */
    private CacheEntry<V> read(CacheSlot cache, String key, boolean reportCorrupt) {
        return read(cache, key, reportCorrupt, cacheback.clock().millis());
    }

    /** {@link #read(CacheSlot, String, boolean)} as of {@code nowMillis}, a clock reading the caller has just made. */
    private CacheEntry<V> read(CacheSlot cache, String key, boolean reportCorrupt, long nowMillis) {
        try {
            CacheEntry<V> entry = cache.backend().get(key, entryCodec, nowMillis);
            cache.answered();
            return entry;
        } catch (CorruptEntryException e) {
            if (reportCorrupt) {
                corrupt(key, e);
            }
            return null;
        } catch (RuntimeException e) {
            cache.failed("get", e);
            return null;
        }
    }

    private void corrupt(String key, CorruptEntryException e) {
        log.error("{} {}: {}; reading it as a miss, the next store overwrites it", name, key, e.getMessage());
        cacheback.listener().onCorruptEntry(name, key, e);
    }

    private void releaseLease(CacheSlot cache, String key, String token) {
        try {
            cache.backend().releaseLease(key, token);
        } catch (RuntimeException e) {
            cache.failed("release lease", e);
        }
    }

    private CacheSlot slot() {
        CacheSlot s = slot;
        if (s == null) {
            s = cacheback.slot(cacheAliasOrDefault());
            slot = s;
        }
        return s;
    }

    private String cacheAliasOrDefault() {
        String alias = cacheAlias();
        return alias != null ? alias : cacheback.defaultAlias();
    }

    private void checkTaskOptions() {
        if (!optionsChecked) {
            cacheback.queue().validate(taskOptions());
            optionsChecked = true;
        }
    }

    final String keyFor(K args) {
        String key = key(args);
        if (customKey && checksKey(args)) {
            String violation = Keys.violation(key);
            if (violation != null) {
                throw new CachebackException("Job " + name + " made an invalid cache key \"" + key + "\" from its "
                        + "key() override: " + violation + ". Hash long or free-form parts of the key.");
            }
        }
        return key;
    }

    private byte[] encodeArgs(K args) {
        try {
            return cacheback.codec().encode(args, argType);
        } catch (CodecException e) {
            throw new CachebackException("Job " + name + " cannot encode its argument of type "
                    + (args == null ? argType.getTypeName() : args.getClass().getName()) + " (needed for its key "
                    + "and refresh tasks): " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private K decodeArgs(byte[] bytes) {
        if (noArgs) {
            return null;
        }
        return (K) cacheback.codec().decode(bytes, argType);
    }

    private void requireArgs(K args) {
        if (args == null && !noArgs) {
            throw new NullPointerException("args (job " + name + " takes arguments of type " + argType.getTypeName()
                    + "; only a Job<Void, V> is called without)");
        }
    }

    private void requireNoArgs(String called, String instead) {
        if (!noArgs) {
            throw new IllegalStateException(called + " is for no-argument jobs (Job<Void, V>); job " + name
                    + " takes arguments of type " + argType.getTypeName() + ": call " + instead);
        }
    }

    // ------------------------------------------------------------------ bulk reads (getMany)

    /** A key a bulk read fetches synchronously: a miss ({@code stale == null}) or too-stale data. */
    private final class BulkLoad {
        final String key;
        final K args;
        final CacheEntry<V> stale;
        final Duration delta;
        final CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> flight;
        long base;

        BulkLoad(String key, K args, CacheEntry<V> stale, Duration delta) {
            this.key = key;
            this.args = args;
            this.stale = stale;
            this.delta = delta;
        }
    }

    /** A failed fetch among the results of {@link #fetchBounded}. */
    private record FetchFailure(Throwable error) {
    }

    /** Work on one index of a bulk fetch. */
    @FunctionalInterface
    private interface IndexedFetch {
        Object fetch(int index) throws Exception;
    }

    /**
     * The rules of {@link #get} for each key of {@code argsOf} (key → arguments), after one lookup of
     * all of them: answers hits, marks stale keys (the same {@link #markFromRead} as {@code get}),
     * and loads the rest together. Returns key → answer.
     */
    private Map<String, V> readAndAnswer(CacheSlot cache, Map<String, K> argsOf) {
        Map<String, CacheEntry<V>> found = readMany(cache, argsOf.keySet());
        long nowMillis = cacheback.clock().millis();
        Map<String, V> answers = new HashMap<>(argsOf.size() * 2);
        List<BulkLoad> loads = new ArrayList<>();
        for (Map.Entry<String, K> e : argsOf.entrySet()) {
            String key = e.getKey();
            K args = e.getValue();
            CacheEntry<V> entry = found.get(key);
            if (entry == null) {
                counters.misses.increment();
                if (shouldMissingItemBeFetchedSynchronously(args)) {
                    log.debug("{} {}: miss, fetching synchronously with the other keys of getMany", name, key);
                    cacheback.listener().onMiss(name, key, true);
                    loads.add(new BulkLoad(key, args, null, null));
                } else {
                    answers.put(key, missEnqueued(cache, key, args));
                }
            } else if (isHit(cache, key, args, entry, nowMillis)) {
                answers.put(key, hit(key, args, entry));
            } else {
                counters.stale.increment();
                Duration delta = Duration.between(entry.expiry(), now());
                if (shouldStaleItemBeFetchedSynchronously(delta, args)) {
                    log.debug("{} {}: stale by {}, refreshing synchronously with the other keys of getMany", name, key, delta);
                    cacheback.listener().onStale(name, key, true);
                    loads.add(new BulkLoad(key, args, entry, delta));
                } else {
                    answers.put(key, staleServed(cache, key, args, entry, delta));
                }
            }
        }
        if (!loads.isEmpty()) {
            loadMany(cache, loads, answers);
        }
        return answers;
    }

    /**
     * One lookup of many keys. A cache that fails is reported, then each key is read on its own (a
     * backend with several servers still answers the keys of those that work; one whose breaker is
     * open fails each at once), failing keys reading as missing.
     */
    private Map<String, CacheEntry<V>> readMany(CacheSlot cache, Collection<String> keys) {
        try {
            Map<String, CacheEntry<V>> found = cache.backend().getAll(keys, entryCodec);
            cache.answered();
            return found;
        } catch (RuntimeException e) {
            cache.failed("get many", e);
        }
        Map<String, CacheEntry<V>> found = new HashMap<>(keys.size() * 2);
        for (String key : keys) {
            CacheEntry<V> entry = read(cache, key);
            if (entry != null) {
                found.put(key, entry);
            }
        }
        return found;
    }

    /**
     * The synchronous part of a bulk read: claims each key's single flight (joining those another
     * caller runs), loads the claimed ones in one batch — in this thread, or on the fetch executor
     * when the job has a fetch timeout — then answers each key as {@code get} would, throwing the
     * first failure (in order) after all were answered.
     */
    private void loadMany(CacheSlot cache, List<BulkLoad> loads, Map<String, V> answers) {
        List<BulkLoad> led = new ArrayList<>();
        for (BulkLoad load : loads) {
            CompletableFuture<Object> running = cacheback.singleFlight().claim(cache.flightKey(load.key), load.mine);
            load.flight = running != null ? running : load.mine;
            if (running == null) {
                led.add(load);
            }
        }
        boolean timed = softFetchTimeout() != null || hardFetchTimeout() != null;
        long start = System.nanoTime();
        if (!led.isEmpty()) {
            if (timed) {
                try {
                    cacheback.fetchExecutor().execute(() -> loadBatch(cache, led));
                } catch (RuntimeException rejected) {
                    finishAll(cache, led, rejected);
                }
            } else {
                loadBatch(cache, led);
            }
        }
        RuntimeException first = null;
        for (BulkLoad load : loads) {
            try {
                Object loaded = awaitLoad(load, start);
                if (loaded == SOFT_TIMEOUT) {
                    answers.put(load.key, staleOnSoftTimeout(load.key, load.args, load.stale));
                } else {
                    @SuppressWarnings("unchecked")
                    V data = (V) loaded;
                    answers.put(load.key, processResult(data, load.args,
                            load.stale == null ? CacheStatus.MISS : CacheStatus.STALE, true));
                }
            } catch (RuntimeException failure) {
                if (load.stale != null && (failure instanceof SourceUnavailableException
                        || servesStaleOnError(load.delta, failure))) {
                    answers.put(load.key, staleOnFailure(cache, load.key, load.args, load.stale, load.delta, failure));
                } else if (first == null) {
                    first = failure;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * Waits for one key's load: unbounded without fetch timeouts; else for the soft timeout (stale
     * data at hand, returning {@link #SOFT_TIMEOUT}) or the hard one ({@link FetchTimeoutException}),
     * counted from {@code start}. Rethrows the load's failure as {@link #load} does.
     */
    private Object awaitLoad(BulkLoad load, long start) {
        Duration soft = load.stale != null ? softFetchTimeout() : null;
        Duration hard = hardFetchTimeout();
        try {
            if (soft == null && hard == null) {
                return load.flight.get();
            }
            boolean softFirst = soft != null && (hard == null || soft.compareTo(hard) < 0);
            Duration wait = softFirst ? soft : hard;
            long left = wait.toNanos() - (System.nanoTime() - start);
            try {
                return load.flight.get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                cacheback.listener().onFetchTimeout(name, load.key, wait, softFirst);
                if (softFirst) {
                    return SOFT_TIMEOUT;
                }
                throw new FetchTimeoutException(name, load.key, hard);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CachebackException("Interrupted while waiting for the fetch of " + name + " key " + load.key, e);
        } catch (ExecutionException e) {
            throw fetchFailure(load.key, e);
        }
    }

    /**
     * Loads the keys this call leads, and ends each one's flight whatever happens: reads them once
     * more (a key stored by another caller's fetch since the first read answers from the cache), then
     * fetches the rest in one {@link #fetchManyTimed} and stores each result fenced on the version it
     * read, as {@link #loadOnce} does for one key.
     */
    private void loadBatch(CacheSlot cache, List<BulkLoad> led) {
        try {
            List<String> keys = new ArrayList<>(led.size());
            for (BulkLoad load : led) {
                keys.add(load.key);
            }
            Map<String, CacheEntry<V>> again = readMany(cache, keys);
            List<BulkLoad> toFetch = new ArrayList<>(led.size());
            for (BulkLoad load : led) {
                CacheEntry<V> entry = again.get(load.key);
                if (entry != null && isFresh(entry)) {
                    cacheback.singleFlight().finish(cache.flightKey(load.key), load.mine, entry.data(), null);
                } else {
                    load.base = entry == null ? CacheEntry.NO_ENTRY : entry.version();
                    toFetch.add(load);
                }
            }
            if (toFetch.isEmpty()) {
                return;
            }
            Instant start = now();
            Object[] results = fetchManyTimed(toFetch);
            for (int i = 0; i < results.length; i++) {
                BulkLoad load = toFetch.get(i);
                if (results[i] instanceof FetchFailure failure) {
                    cacheback.singleFlight().finish(cache.flightKey(load.key), load.mine, null, failure.error());
                    continue;
                }
                @SuppressWarnings("unchecked")
                V data = (V) results[i];
                try {
                    storeFetched(cache, load.key, load.args, load.base, data, start, true);
                    cacheback.singleFlight().finish(cache.flightKey(load.key), load.mine, data, null);
                } catch (RuntimeException | Error e) {
                    cacheback.singleFlight().finish(cache.flightKey(load.key), load.mine, null, e);
                }
            }
        } catch (RuntimeException | Error e) {
            finishAll(cache, led, e);   // each caller waiting for one of these keys gets it
        } finally {
            finishAll(cache, led, new IllegalStateException("getMany of job " + name + " ended without loading this key"));
        }
    }

    /** Ends with {@code failure} every flight of {@code led} still running. */
    private void finishAll(CacheSlot cache, List<BulkLoad> led, Throwable failure) {
        for (BulkLoad load : led) {
            if (!load.mine.isDone()) {
                cacheback.singleFlight().finish(cache.flightKey(load.key), load.mine, null, failure);
            }
        }
    }

    /**
     * The data of each key of {@code toFetch}, or a {@link FetchFailure}, by index. With the default
     * {@link #fetchMany}: one {@link #timedFetch} per key (breaker and listener per key, one key's
     * failure its own), bounded as the hook's default is. With an override: one call, under the
     * source breaker as one fetch, reported to the listener for each key; keys it left out get
     * {@link #empty()}.
     */
    private Object[] fetchManyTimed(List<BulkLoad> toFetch) {
        if (!overridesFetchMany()) {
            return fetchBounded(toFetch.size(), i -> timedFetch(toFetch.get(i).key, toFetch.get(i).args));
        }
        Object[] results = new Object[toFetch.size()];
        SourceBreaker breaker = sourceBreaker();
        if (breaker != null && !breaker.allow()) {
            for (int i = 0; i < results.length; i++) {
                results[i] = new FetchFailure(new SourceUnavailableException(name, toFetch.get(i).key, breaker.state(),
                        breaker.failures(), breaker.nextProbe(), breaker.lastFailure()));
            }
            return results;
        }
        Set<K> args = new LinkedHashSet<>();
        for (BulkLoad load : toFetch) {
            args.add(load.args);
        }
        Instant start = now();
        Map<K, V> fetched;
        Throwable failure = null;
        counters.inFlight.add(args.size());
        try {
            fetched = fetchMany(Collections.unmodifiableSet(args));
            if (fetched == null) {
                throw new IllegalStateException("Job " + getClass().getName() + " returned null from fetchMany; "
                        + "return a map (arguments left out of it answer empty())");
            }
        } catch (Exception | Error e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failure = e;
            fetched = null;
        } finally {
            counters.inFlight.add(-args.size());
        }
        Duration took = Duration.between(start, now());
        for (BulkLoad load : toFetch) {
            cacheback.listener().onFetch(name, load.key, took, failure);
            if (failure != null) {
                fetchFailed(load.key, failure);
            }
        }
        if (breaker != null) {
            if (failure == null) {
                breaker.succeeded();
            } else {
                breaker.failed(failure);
            }
        }
        for (int i = 0; i < results.length; i++) {
            BulkLoad load = toFetch.get(i);
            if (failure != null) {
                results[i] = new FetchFailure(failure instanceof RuntimeException || failure instanceof Error ? failure
                        : new FetchException(name, load.key, failure));
            } else if (fetched.containsKey(load.args)) {
                results[i] = fetched.get(load.args);
            } else {
                log.debug("{} {}: fetchMany left this key out; it answers empty()", name, load.key);
                results[i] = empty();
            }
        }
        return results;
    }

    private boolean overridesFetchMany() {
        return TypeResolver.overridesFetchMany(getClass());
    }

    /**
     * Runs {@code work} for indexes {@code 0 … count−1}, at most the runtime's fetchManyConcurrency at
     * once: this thread and helpers on the fetch executor take the next index until none is left
     * (a helper the executor refuses leaves its share to the others). Returns each index's result, or
     * a {@link FetchFailure}, once all ended.
     */
    private Object[] fetchBounded(int count, IndexedFetch work) {
        Object[] results = new Object[count];
        AtomicInteger next = new AtomicInteger();
        // counts ended indexes, not helpers: a helper the executor has not started yet when every
        // index is taken is not waited for (with a bounded executor it might never start)
        CountDownLatch ended = new CountDownLatch(count);
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                try {
                    results[i] = work.fetch(i);
                } catch (Exception | Error e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    results[i] = new FetchFailure(e);
                } finally {
                    ended.countDown();
                }
            }
        };
        int helpers = Math.min(count, cacheback.fetchManyConcurrency()) - 1;
        for (int h = 0; h < helpers; h++) {
            try {
                cacheback.fetchExecutor().execute(worker);
            } catch (RuntimeException rejected) {
                break;   // this thread takes the rest
            }
        }
        worker.run();
        boolean interrupted = false;
        while (true) {
            try {
                ended.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return results;
    }

    static String validateName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("Job name \"" + name + "\" must be 1 to " + MAX_NAME_LENGTH
                    + " characters long, not " + name.length());
        }
        String violation = Keys.violation(name);
        if (violation != null) {
            throw new IllegalArgumentException("Job name \"" + name + "\" is not usable in cache keys: "
                    + violation.replace("the key", "the name"));
        }
        return name;
    }
}

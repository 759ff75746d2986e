package dev.cacheback;

import dev.cacheback.internal.ErrorLog;
import dev.cacheback.internal.HitClock;
import dev.cacheback.internal.InProcessRefreshQueue;
import dev.cacheback.internal.KeyMemo;
import dev.cacheback.internal.SafeListener;
import dev.cacheback.internal.SingleFlight;
import dev.cacheback.internal.SourceBreaker;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskDelivery;
import dev.cacheback.internal.LogText;
import dev.cacheback.spi.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runtime every {@link Job} runs on: its named caches, its refresh queue, its clock, its codec,
 * its settings, and the registry of jobs its workers may run. The seed's Django settings, as one
 * object built once:
 * <pre>{@code
 * Cacheback cacheback = Cacheback.builder()
 *         .cache("default", CacheBackend.inMemory())            // the default, when no cache is given
 *         .queue(RefreshQueue.inProcess(executor))              // default: an in-process pool of 2 threads
 *         .build();
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} closes the queue (stopping its workers), then the caches, then
 * any thread pool the runtime created itself. Nothing here is global, except the optional
 * {@linkplain #makeDefault() default instance} for jobs constructed without a runtime.
 */
public final class Cacheback implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static volatile Cacheback defaultInstance;

    /** Default {@link Builder#clockTick} on the system clock: 1 ms. */
    public static final Duration DEFAULT_CLOCK_TICK = Duration.ofMillis(1);

    /** Default {@link Builder#fetchManyConcurrency}: 8 fetches at once per bulk read. */
    public static final int DEFAULT_FETCH_MANY_CONCURRENCY = 8;

    private final Clock clock;
    private final Codec codec;
    private final String defaultAlias;
    private final Map<String, CacheBackend> caches;
    private final Map<String, CacheSlot> slots;
    private final RefreshQueue queue;
    private final boolean verifyWrites;
    private final int keyMemoSize;
    private final CachebackListener listener;
    private final ExecutorService ownedExecutor;
    private final ConcurrentHashMap<String, Job<?, ?>> jobs = new ConcurrentHashMap<>();
    private final SingleFlight singleFlight = new SingleFlight();
    private final ConcurrentHashMap<String, SourceBreaker> sourceBreakers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, KeyMemo> keyMemos = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, JobCounters> jobCounters = new ConcurrentHashMap<>();
    private final ErrorLog errorLog;
    private final RetryPolicy retryPolicy;
    private final WorkerEngine worker;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final java.util.concurrent.Executor staleReadDispatcher;
    private final java.util.Set<String> marking = ConcurrentHashMap.newKeySet();
    private final java.util.Queue<Runnable> pendingMarks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Runnable handOffPendingMarks = this::handOffPendingMarks;
    private final java.util.concurrent.Executor maintenance;
    private final java.util.concurrent.Executor markHandOff;
    private final ExecutorService givenFetchExecutor;
    private volatile ExecutorService ownedFetchExecutor;
    private final int fetchManyConcurrency;
    private final AtomicBoolean closed = new AtomicBoolean();
    // observability (issue 16): the instrumentation seam
    private final Instrumentation instrumentation;
    private final HitClock hitClock;

    private Cacheback(Builder b) {
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        this.codec = b.codec != null ? b.codec : Codec.jackson();
        this.defaultAlias = b.defaultAlias != null ? b.defaultAlias : "default";
        Map<String, CacheBackend> configured = new LinkedHashMap<>(b.caches);
        if (configured.isEmpty()) {
            configured.put(defaultAlias, CacheBackend.inMemory());
        }
        if (!configured.containsKey(defaultAlias)) {
            throw new IllegalStateException("The default cache alias \"" + defaultAlias + "\" names no cache; configured: "
                    + configured.keySet() + ". Add .cache(\"" + defaultAlias + "\", …) or set defaultAlias(…) to one of them.");
        }
        this.caches = Collections.unmodifiableMap(configured);
        this.verifyWrites = b.verifyWrites != null ? b.verifyWrites : true;
        this.keyMemoSize = b.keyMemoSize != null ? b.keyMemoSize : 65_536;
        this.instrumentation = dev.cacheback.internal.SafeInstrumentation.of(
                b.instrumentation != null ? b.instrumentation : Instrumentation.NONE);
        List<CachebackListener> listeners = new ArrayList<>(b.listeners);
        if (instrumentation.listener() != CachebackListener.NONE) {
            listeners.add(instrumentation.listener());
        }
        this.listener = SafeListener.of(listeners);
        this.errorLog = new ErrorLog(log, clock, b.errorLogInterval != null ? b.errorLogInterval : Duration.ofSeconds(30));
        this.retryPolicy = b.retryPolicy != null ? b.retryPolicy : RetryPolicy.defaults();
        this.worker = new WorkerEngine(this, retryPolicy);
        this.ownsScheduler = b.scheduler == null;
        this.scheduler = b.scheduler != null ? b.scheduler : schedulerThread();
        Duration tick = b.clockTick != null ? b.clockTick : b.clock == null ? DEFAULT_CLOCK_TICK : Duration.ZERO;
        this.hitClock = HitClock.ticking(clock, tick);
        this.maintenance = hitClock.deferring(scheduler);
        this.markHandOff = hitClock.deferring(Runnable::run);
        this.staleReadDispatcher = b.staleReadDispatcher;
        this.givenFetchExecutor = b.fetchExecutor;
        this.fetchManyConcurrency = b.fetchManyConcurrency != null ? b.fetchManyConcurrency : DEFAULT_FETCH_MANY_CONCURRENCY;
        if (b.queue != null) {
            this.queue = b.queue;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = refreshPool(2);
            this.queue = new InProcessRefreshQueue(ownedExecutor, 10_000, false);
        }
        Map<String, CacheSlot> bySlot = new LinkedHashMap<>();
        caches.forEach((alias, backend) -> bySlot.put(alias, new CacheSlot(alias, backend, errorLog, listener)));
        this.slots = Collections.unmodifiableMap(bySlot);
        openPlugins();
    }

    /** Opens the caches, then the queue; if one refuses, closes what was opened and the runtime's pool. */
    private void openPlugins() {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            caches.forEach((alias, backend) -> {
                backend.open(new BackendContext() {
                    @Override
                    public String alias() {
                        return alias;
                    }

                    @Override
                    public Clock clock() {
                        return clock;
                    }

                    @Override
                    public java.util.concurrent.Executor executor() {
                        return maintenance;
                    }
                });
                opened.add(backend);
            });
            queue.open(new QueueContext() {
                @Override
                public WorkerEngine worker() {
                    return worker;
                }

                @Override
                public ScheduledExecutorService scheduler() {
                    return scheduler;
                }

                @Override
                public Clock clock() {
                    return clock;
                }

                @Override
                public CachebackListener listener() {
                    return listener;
                }
            });
        } catch (RuntimeException e) {
            List<RuntimeException> ignored = new ArrayList<>();
            opened.forEach(c -> closeQuietly(c, ignored));
            ignored.forEach(e::addSuppressed);
            if (ownedExecutor != null) {
                ownedExecutor.shutdownNow();
            }
            if (ownsScheduler) {
                scheduler.shutdownNow();
            }
            throw e;
        }
    }

    /** A builder; every option has a default, so {@code Cacheback.builder().build()} is a working runtime. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The runtime made default by {@link #makeDefault()}, used by jobs constructed without one.
     *
     * @throws IllegalStateException when none is set
     */
    public static Cacheback getDefault() {
        Cacheback instance = defaultInstance;
        if (instance == null) {
            throw new IllegalStateException("No default Cacheback runtime: build one and call makeDefault(), "
                    + "or pass one to the job's constructor");
        }
        return instance;
    }

    /** Makes this runtime the one jobs constructed without a runtime use, until another is made default or this one closes. */
    public Cacheback makeDefault() {
        if (closed.get()) {
            throw new IllegalStateException("This Cacheback runtime is closed");
        }
        defaultInstance = this;
        return this;
    }

    /** The clock every expiry is computed with. */
    public Clock clock() {
        return clock;
    }

    /** The codec for arguments and stored values. */
    public Codec codec() {
        return codec;
    }

    /** The alias of the cache jobs use when they name none. Default {@code "default"}. */
    public String defaultAlias() {
        return defaultAlias;
    }

    /**
     * The cache registered under {@code alias}.
     *
     * @throws IllegalArgumentException naming the aliases there are, when there is none by that name
     */
    public CacheBackend cache(String alias) {
        return slot(alias).backend();
    }

    /** Every cache by alias, in configuration order. */
    public Map<String, CacheBackend> caches() {
        return caches;
    }

    /** The refresh queue. */
    public RefreshQueue queue() {
        return queue;
    }

    /** Whether every store is read back to check it was kept (DESIGN.md S15). Default {@code true}. */
    public boolean verifyWrites() {
        return verifyWrites;
    }

    /** The listener every decision is reported to (all configured listeners, guarded). */
    public CachebackListener listener() {
        return listener;
    }

    /**
     * What observes gets, fetches, enqueues and worker refreshes ({@link Builder#instrumentation}),
     * guarded so that it never throws into the engine. Default {@link Instrumentation#NONE}.
     */
    public Instrumentation instrumentation() {
        return instrumentation;
    }

    /** The job registered under {@code name}, if any. */
    public Optional<Job<?, ?>> job(String name) {
        return Optional.ofNullable(jobs.get(name));
    }

    /** Every registered job (the latest constructed under each name). */
    public Collection<Job<?, ?>> jobs() {
        return Collections.unmodifiableCollection(jobs.values());
    }

    /**
     * The fleet as this process sees it: every registered job's {@link Job#state()} (by name), and the
     * queue's {@link RefreshQueue#state()}. Reading the queue's state is one round trip per queue on a
     * broker; a broker that does not answer leaves {@link FleetState#queues()} empty and says why in
     * {@link FleetState#queueError()}, so this never throws for the queue. Thread-safe.
     */
    public FleetState state() {
        List<JobState> jobStates = jobs.values().stream().map(Job::state)
                .sorted(java.util.Comparator.comparing(JobState::name)).toList();
        List<dev.cacheback.spi.QueueState> queues = List.of();
        String queueError = null;
        try {
            queues = queue.state();
        } catch (RuntimeException e) {
            queueError = LogText.escape(String.valueOf(e.getMessage()));
        }
        return new FleetState(clock.instant(), jobStates, queue.describe(), queues, queueError);
    }

    /** The policy every queue's worker applies to failed tasks. Default {@link RetryPolicy#defaults()}. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** The worker engine the queue's transport hands deliveries to. */
    public WorkerEngine worker() {
        return worker;
    }

    /**
     * Starts the queue's workers, if it has any that wait to be started ({@link RefreshQueue#startWorker()}):
     * call it once every job this process may be asked to refresh is constructed, so that no task is
     * read before its job exists (DESIGN.md F4). Standalone workers and the Spring starter do this for
     * you. Idempotent.
     */
    public void startWorkers() {
        if (closed.get()) {
            throw new IllegalStateException("This Cacheback runtime is closed");
        }
        queue.startWorker();
    }

    /**
     * Runs one refresh task in the calling thread, without a transport: the job is found by name among
     * the registered jobs; an unknown name, unreadable arguments or an expired task are logged and
     * reported in the result, never thrown, and nothing is loaded by name. Queues go through
     * {@link #worker()} instead, which also retries and dead-letters.
     */
    public TaskResult runTask(RefreshTask task) {
        return runTask(task, null);
    }

    /** {@link #runTask(RefreshTask)}, keeping {@code delivery} alive with heartbeats while it runs. */
    TaskResult runTask(RefreshTask task, TaskDelivery delivery) {
        Objects.requireNonNull(task, "task");
        Job<?, ?> job = jobs.get(task.jobName());
        if (job == null) {
            String reason = "no job named \"" + LogText.escape(task.jobName()) + "\" is registered in this worker (key "
                    + LogText.escape(task.key()) + "); construct the job (or register its JobCatalog) in the worker "
                    + "process so it can refresh it";
            log.error("Dropped refresh task: {}", reason);
            return TaskResult.unknownJob(reason);
        }
        if (task.isExpired(clock.instant())) {
            String reason = "task expired: created " + task.createdAt() + " with expiration " + task.options().expiration();
            log.debug("Dropped refresh task for {} key {}: {}", task.jobName(), LogText.escape(task.key()), reason);
            return TaskResult.expired(reason);
        }
        return job.runTask(task, delivery);
    }

    /**
     * Closes the queue (its workers finish what they run), the caches, and the runtime's own thread
     * pool. Idempotent. Clears the default instance if it is this one.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (defaultInstance == this) {
            defaultInstance = null;
        }
        hitClock.close();
        if (staleReadDispatcher != null) {
            awaitMarks(MARK_GRACE);
        }
        List<RuntimeException> failures = new ArrayList<>();
        closeQuietly(queue, failures);
        caches.values().forEach(c -> closeQuietly(c, failures));
        if (ownedExecutor != null) {
            shutDown(ownedExecutor);
        }
        if (ownsScheduler) {
            shutDown(scheduler);
        }
        ExecutorService fetches;
        synchronized (this) {
            fetches = ownedFetchExecutor;
        }
        if (fetches != null) {
            fetches.shutdownNow();
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    private static void shutDown(ExecutorService executor) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }

    private static void closeQuietly(AutoCloseable closeable, List<RuntimeException> failures) {
        try {
            closeable.close();
        } catch (RuntimeException e) {
            failures.add(e);
        } catch (Exception e) {
            failures.add(new CachebackException("Failed to close " + closeable, e));
        }
    }

    // ------------------------------------------------------------------ for Job

    /**
     * Registers a job under its name. A job of the same class, types and settings replaces the one
     * registered (jobs made per request); any other job under the same name is refused, because a
     * worker would refresh one with the other's settings.
     */
    void register(Job<?, ?> job) {
        if (closed.get()) {
            throw new IllegalStateException("This Cacheback runtime is closed");
        }
        jobs.merge(job.name(), job, (existing, added) -> {
            if (existing.getClass() != added.getClass() || !existing.argType().equals(added.argType())
                    || !existing.valueType().equals(added.valueType()) || !existing.settings().equals(added.settings())) {
                throw new IllegalStateException("Job name \"" + job.name() + "\" is already registered by "
                        + describe(existing) + "; cannot also register " + describe(added) + ". A worker finds jobs by "
                        + "name, so two jobs with different classes or settings need different names: give one "
                        + "JobSettings.builder().name(\"…\")");
            }
            return added;
        });
    }

    private static String describe(Job<?, ?> job) {
        return job.getClass().getName() + " " + job.settings();
    }

    /**
     * The epoch milliseconds a hit decides freshness with: the clock's, or (with a clock tick) a copy
     * of them at most a tick old while hits happen. See {@link Builder#clockTick}.
     */
    long hitMillis() {
        return hitClock.millis();
    }

    /** How near its expiry, by a {@link #hitMillis()} reading, an entry is decided on the clock itself. */
    long hitSlackMillis() {
        return hitClock.slackMillis();
    }

    /**
     * Hands a stale read's mark of the key {@code flight} names to the {@linkplain
     * Builder#markStaleInBackground stale-read dispatcher}, unless a mark of that key is already in
     * flight in this process ({@code false} then): queued, then handed over with every other queued
     * mark in one task — at the clock's next tick while it ticks (so a stale read does not pay for
     * waking the dispatcher's thread), else at once. A rejected hand-off runs the marks in the thread
     * that handed them. The key is in flight until its mark has run.
     */
    boolean dispatchMark(String flight, Runnable mark) {
        if (!marking.add(flight)) {
            return false;
        }
        pendingMarks.offer(() -> {
            try {
                mark.run();
            } finally {
                marking.remove(flight);
            }
        });
        markHandOff.execute(handOffPendingMarks);
        return true;
    }

    /**
     * Hands every queued mark to the dispatcher in one task; nothing when none is queued or a hand-off
     * is still under way (it takes what was queued since: one task in the dispatcher at a time).
     */
    private void handOffPendingMarks() {
        if (pendingMarks.isEmpty() || !draining.compareAndSet(false, true)) {
            return;
        }
        try {
            staleReadDispatcher.execute(this::drainPendingMarks);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            drainPendingMarks();
        }
    }

    /** How long {@link #close()} waits for background marks still in flight. */
    private static final Duration MARK_GRACE = Duration.ofSeconds(5);

    /**
     * On close, before the caches and the queue: hands over the marks still queued and waits (at most
     * {@code grace}) until every background mark in flight has finished, so that a mark taken just
     * before closing is not run against a closed cache or queue (its lease would then hold the key until
     * it expires). Marks still queued after that are run here.
     */
    private void awaitMarks(Duration grace) {
        handOffPendingMarks();
        long deadline = System.nanoTime() + grace.toNanos();
        while (!marking.isEmpty() && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
        if (!pendingMarks.isEmpty()) {
            drainPendingMarks();
        }
        if (!marking.isEmpty()) {
            log.warn("Closing with {} background stale mark(s) still running after {}; they may fail against the closed "
                    + "cache or queue (their keys are refreshed by the next read after their leases expire)",
                    marking.size(), grace);
        }
    }

    private void drainPendingMarks() {
        do {
            for (Runnable mark = pendingMarks.poll(); mark != null; mark = pendingMarks.poll()) {
                mark.run();
            }
            draining.set(false);
            // a mark queued after the last poll but before the flag dropped would otherwise wait for a tick
        } while (!pendingMarks.isEmpty() && draining.compareAndSet(false, true));
    }

    /** The scheduler for heartbeats and delayed work. */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Where stale reads mark their entries for refresh, or {@code null} for the reading thread. */
    java.util.concurrent.Executor staleReadDispatcher() {
        return staleReadDispatcher;
    }

    /** The argument → key memo of the jobs named {@code name}: shared, so jobs made per request still hit it. */
    KeyMemo keyMemo(String name) {
        return keyMemos.computeIfAbsent(name, n -> new KeyMemo(keyMemoSize));
    }

    /** The counts of the jobs named {@code name} ({@link Job#state()}): shared, so jobs made per request add to them. */
    JobCounters jobCounters(String name) {
        return jobCounters.computeIfAbsent(name, n -> new JobCounters());
    }

    SingleFlight singleFlight() {
        return singleFlight;
    }

    /** The source breaker of the jobs named {@code job}: made on first use with these numbers, then shared. */
    SourceBreaker sourceBreaker(String job, int failures, Duration window) {
        return sourceBreakers.computeIfAbsent(job, j -> new SourceBreaker(j, clock, failures, window, listener));
    }

    /**
     * Where fetches with a soft or hard timeout run (the caller waits for them at most that long): the
     * one given to the builder, else a pool of daemon threads the runtime makes on first use and stops
     * on {@link #close()}.
     *
     * @throws IllegalStateException when the runtime is closed
     */
    ExecutorService fetchExecutor() {
        if (givenFetchExecutor != null) {
            return givenFetchExecutor;
        }
        ExecutorService e = ownedFetchExecutor;
        if (e == null) {
            synchronized (this) {
                if (closed.get()) {
                    throw new IllegalStateException("This Cacheback runtime is closed: its fetch pool is stopped");
                }
                e = ownedFetchExecutor;
                if (e == null) {
                    AtomicInteger counter = new AtomicInteger();
                    e = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                        Thread t = new Thread(r, "cacheback-fetch-" + counter.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    ownedFetchExecutor = e;
                }
            }
        }
        return e;
    }

    /** How many fetches of one bulk read's default {@code fetchMany} run at once ({@link Builder#fetchManyConcurrency}). */
    int fetchManyConcurrency() {
        return fetchManyConcurrency;
    }

    /** The named cache with its health; throws as {@link #cache(String)} does. */
    CacheSlot slot(String alias) {
        CacheSlot slot = slots.get(Objects.requireNonNull(alias, "alias"));
        if (slot == null) {
            throw new IllegalArgumentException("No cache named \"" + alias + "\"; configured caches: " + caches.keySet());
        }
        return slot;
    }

    ErrorLog errorLog() {
        return errorLog;
    }

    private static ScheduledExecutorService schedulerThread() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cacheback-scheduler");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    private static ExecutorService refreshPool(int threads) {
        AtomicInteger counter = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "cacheback-refresh-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
    }

    /**
     * Builds a {@link Cacheback}. {@link #build()} copies what it was given; setting an option twice
     * is an error. Not thread-safe.
     */
    public static final class Builder {
        private Clock clock;
        private Duration clockTick;
        private Codec codec;
        private String defaultAlias;
        private final Map<String, CacheBackend> caches = new LinkedHashMap<>();
        private RefreshQueue queue;
        private Boolean verifyWrites;
        private Integer keyMemoSize;
        private Duration errorLogInterval;
        private RetryPolicy retryPolicy;
        private ScheduledExecutorService scheduler;
        private java.util.concurrent.Executor staleReadDispatcher;
        private ExecutorService fetchExecutor;
        private Integer fetchManyConcurrency;
        private final List<CachebackListener> listeners = new ArrayList<>();
        private Instrumentation instrumentation;

        private Builder() {
        }

        /** The clock for every expiry, lease and log interval. Default {@link Clock#systemUTC()}. */
        public Builder clock(Clock clock) {
            Settings.requireUnset(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How often a hit's copy of the clock is renewed. Reading the system clock costs about as much
         * as the rest of an in-memory hit, so while hits happen a daemon thread of the runtime's
         * ({@code cacheback-clock}) copies the clock into a field every tick and a hit reads the field;
         * after a second without hits the thread ends, and the next hit reads the clock itself and
         * starts a new one ({@link Cacheback#close()} ends it too). It parks between ticks and allocates
         * nothing. A copy lags the clock by up to a tick (longer only when the machine is starved),
         * which only makes a hit look as if it had been made that much earlier: an entry within 16
         * ticks of its expiry is decided on the clock itself, and every expiry, lease and time stored is
         * computed on the clock itself. Work that may wait a tick rides on it: the in-memory caches'
         * maintenance (eviction) and the hand-off of {@linkplain #markStaleInBackground background
         * marks}, so that neither allocates nor wakes a thread per hit; without a tick they go to the
         * {@linkplain #scheduler scheduler} and the dispatcher at once.
         *
         * <p>Default {@link #DEFAULT_CLOCK_TICK} (1 ms) on the system clock, and zero — the clock read on
         * every hit, no thread — when a {@link #clock(Clock) clock} is given (a test's clock moves only
         * when the test moves it; set a tick for a given clock that follows real time). Zero turns the
         * copy off.
         *
         * @throws IllegalArgumentException unless zero or from 1 ms to 1 s
         */
        public Builder clockTick(Duration tick) {
            Settings.requireUnset(this.clockTick, "clockTick");
            Objects.requireNonNull(tick, "tick");
            HitClock.checkTick(tick);
            this.clockTick = tick;
            return this;
        }

        /** The codec for arguments and stored values. Default {@link Codec#jackson()}. */
        public Builder codec(Codec codec) {
            Settings.requireUnset(this.codec, "codec");
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * Adds a named cache. The runtime opens and closes it. Default: one in-memory cache under the
         * default alias when no cache is added.
         */
        public Builder cache(String alias, CacheBackend backend) {
            Objects.requireNonNull(alias, "alias");
            Objects.requireNonNull(backend, "backend");
            if (alias.isBlank()) {
                throw new IllegalArgumentException("cache alias must not be blank");
            }
            if (caches.containsKey(alias)) {
                throw new IllegalStateException("cache \"" + alias + "\" was already added");
            }
            caches.put(alias, backend);
            return this;
        }

        /** The alias of the cache used by jobs that name none. Default {@code "default"}. */
        public Builder defaultAlias(String alias) {
            Settings.requireUnset(this.defaultAlias, "defaultAlias");
            this.defaultAlias = Objects.requireNonNull(alias, "alias");
            return this;
        }

        /**
         * The refresh queue. The runtime opens and closes it. Default: an in-process queue on a pool
         * of 2 daemon threads that the runtime owns and shuts down on {@link Cacheback#close()}.
         */
        public Builder queue(RefreshQueue queue) {
            Settings.requireUnset(this.queue, "queue");
            this.queue = Objects.requireNonNull(queue, "queue");
            return this;
        }

        /**
         * Whether each store is read back, failing with "Unable to save data of type X to cache" when
         * it was not kept (DESIGN.md S15). Default {@code true}; off, a failed store is only logged.
         */
        public Builder verifyWrites(boolean verifyWrites) {
            Settings.requireUnset(this.verifyWrites, "verifyWrites");
            this.verifyWrites = verifyWrites;
            return this;
        }

        /**
         * How many arguments per job name have their key remembered, so that a hit does not encode and
         * hash its arguments again (strings, boxed primitives, UUIDs, enums and java.time values only).
         * Default 65,536 (a few MB at most per job name when full); past it the memo is emptied and
         * refills. {@code 0} turns it off.
         */
        public Builder keyMemoSize(int size) {
            Settings.requireUnset(this.keyMemoSize, "keyMemoSize");
            if (size < 0) {
                throw new IllegalArgumentException("keyMemoSize must not be negative, not " + size);
            }
            this.keyMemoSize = size;
            return this;
        }

        /** Adds a listener to hear every decision. May be called several times. */
        public Builder listener(CachebackListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** How often a recurring failure (a cache server that is down) is logged at most. Default 30 s. */
        public Builder errorLogInterval(Duration interval) {
            Settings.requireUnset(this.errorLogInterval, "errorLogInterval");
            this.errorLogInterval = Settings.requirePositive(interval, "errorLogInterval");
            return this;
        }

        /** What workers do with failed tasks, on every queue. Default {@link RetryPolicy#defaults()}. */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            Settings.requireUnset(this.retryPolicy, "retryPolicy");
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /**
         * The scheduler for heartbeats (leases and deliveries of running refreshes) and delayed work
         * (in-process retries). Not shut down by the runtime: its owner does that. Default: one daemon
         * thread the runtime owns and shuts down on {@link Cacheback#close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            Settings.requireUnset(this.scheduler, "scheduler");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Marks stale entries for refresh on {@code executor} instead of in the reading thread: a
         * stale read then costs its read (plus a hand-off) and returns its stale data, while the
         * executor takes the key's lease, re-stores the entry and enqueues the task — and, should the
         * queue refuse it, runs the synchronous fallback refresh off the reader's thread. At most one
         * mark per key is dispatched at a time in this process; the lease still makes it one refresh
         * per key across processes. Worth it with a remote cache, where the lease and the re-store are
         * a round trip to the server: with Redis this brings a stale read from about three hits' time
         * to about one. While the runtime's {@linkplain #clockTick clock copy} ticks, a stale read only
         * queues its mark and the next tick (within a millisecond) hands every queued mark to the
         * executor in one task, so that a stale read does not pay for waking the executor's thread
         * either; without a tick each mark is handed over at once. The executor is not shut down by the
         * runtime; if it rejects a mark, the thread handing it over does it. Default: the reading thread marks (every effect of a stale read has
         * happened when {@code get} returns).
         */
        public Builder markStaleInBackground(java.util.concurrent.Executor executor) {
            Settings.requireUnset(this.staleReadDispatcher, "markStaleInBackground");
            this.staleReadDispatcher = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Where fetches run when their job has a {@linkplain JobSettings.Builder#softFetchTimeout soft}
         * or {@linkplain JobSettings.Builder#hardFetchTimeout hard fetch timeout}: the caller waits for
         * the fetch at most that long, and the fetch goes on here after the caller stops waiting; and
         * the fetches of a {@link Job#getMany} beyond the one its caller runs (at most
         * {@link #fetchManyConcurrency} at once per call). Not
         * shut down by the runtime: its owner does that. Give it enough threads for the fetches that
         * may run at once (one per key and process at most). Default: daemon threads made on demand
         * (idle ones end after 60 s), made only when a job with a timeout first fetches, and stopped
         * (interrupted) on {@link Cacheback#close()}. Jobs without a timeout fetch in the caller's thread.
         */
        public Builder fetchExecutor(ExecutorService fetchExecutor) {
            Settings.requireUnset(this.fetchExecutor, "fetchExecutor");
            this.fetchExecutor = Objects.requireNonNull(fetchExecutor, "fetchExecutor");
            return this;
        }

        /**
         * How many fetches one {@link Job#getMany} call runs at once when its job keeps the default
         * {@code fetchMany} (one {@code fetch} per missing key): the calling thread runs one, the
         * {@linkplain #fetchExecutor fetch executor} the others. {@code 1} fetches the keys one after
         * another in the caller's thread. A job that overrides {@code fetchMany} decides for itself.
         * Default {@value Cacheback#DEFAULT_FETCH_MANY_CONCURRENCY}.
         *
         * @throws IllegalArgumentException when {@code concurrency} is less than 1
         */
        public Builder fetchManyConcurrency(int concurrency) {
            Settings.requireUnset(this.fetchManyConcurrency, "fetchManyConcurrency");
            if (concurrency < 1) {
                throw new IllegalArgumentException("fetchManyConcurrency must be at least 1 (1: one fetch at a time, "
                        + "in the caller's thread), not " + concurrency);
            }
            this.fetchManyConcurrency = concurrency;
            return this;
        }

        /**
         * What observes every get, fetch, enqueue and worker refresh, for metrics and traces, such as
         * {@code cacheback-micrometer}'s {@code CachebackObservations}; its {@link Instrumentation#listener()}
         * is added to the listeners. The trace context of an enqueue travels in the task to the worker.
         * Default {@link Instrumentation#NONE} (nothing observed, no cost but a comparison per get).
         */
        public Builder instrumentation(Instrumentation instrumentation) {
            Settings.requireUnset(this.instrumentation, "instrumentation");
            this.instrumentation = Objects.requireNonNull(instrumentation, "instrumentation");
            return this;
        }

        /**
         * Builds the runtime and opens its caches and queue.
         *
         * @throws IllegalStateException when the default alias names no configured cache, or a backend
         *     or queue is already used by another runtime
         */
        public Cacheback build() {
            return new Cacheback(this);
        }
    }
}

package dev.cacheback.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DataSizeUnit;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;
import org.springframework.util.unit.DataUnit;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code cacheback.*} settings: the seed's Django settings, one to one.
 *
 * <table>
 *   <caption>Seed setting → property</caption>
 *   <tr><td>{@code CACHEBACK_CACHE_ALIAS}</td><td>{@code cacheback.default-alias}</td></tr>
 *   <tr><td>{@code CACHES} (the aliases Cacheback uses)</td><td>{@code cacheback.caches.<alias>.*}</td></tr>
 *   <tr><td>{@code CACHEBACK_TASK_QUEUE} (celery / rq)</td><td>{@code cacheback.queue.*}</td></tr>
 *   <tr><td>running a Celery / RQ worker</td><td>{@code cacheback.worker.*}</td></tr>
 *   <tr><td>{@code CACHEBACK_VERIFY_CACHE_WRITE}</td><td>{@code cacheback.verify-writes}</td></tr>
 *   <tr><td>(pickle)</td><td>{@code cacheback.codec}</td></tr>
 * </table>
 *
 * <p>Every key is typed: the options of a cache or queue sit in the group of its type
 * ({@code cacheback.caches.<alias>.redis.key-prefix}, {@code cacheback.queue.rabbitmq.default-queue}),
 * and a {@code cacheback.*} key that names no property here fails start-up with the nearest valid
 * key ({@link CachebackPropertyChecker}). Durations of options written as a plain number are seconds.
 * Not thread-safe: bound once at start-up.
 */
@ConfigurationProperties("cacheback")
public class CachebackProperties {

    /** Whether to build the Cacheback runtime at all. */
    private boolean enabled = true;

    /** Alias of the cache used by jobs that name none (the seed's CACHEBACK_CACHE_ALIAS). */
    private String defaultAlias = "default";

    /**
     * Whether every store is read back, failing with "Unable to save data of type X to cache" when it
     * was not kept (the seed's CACHEBACK_VERIFY_CACHE_WRITE).
     */
    private boolean verifyWrites = true;

    /** How arguments and cached values are encoded. A dev.cacheback.spi.Codec bean takes precedence. */
    private CodecType codec = CodecType.JACKSON;

    /** Whether the runtime becomes the default for jobs constructed without one. */
    private boolean makeDefault = true;

    /** How often a recurring failure (a cache server that is down) is logged at most. */
    private Duration errorLogInterval = Duration.ofSeconds(30);

    /**
     * Whether stale reads mark their entries for refresh (take the lease, re-store, enqueue) on a
     * thread of the starter's instead of the reading thread, so a stale read costs about a hit's time
     * on a remote cache. Default false: every effect of a stale read has happened when the read returns.
     */
    private boolean markStaleInBackground = false;

    /**
     * How often hits' copy of the clock is renewed by the runtime's {@code cacheback-clock} thread, which
     * runs only while hits happen (see {@code Cacheback.Builder#clockTick}): from 1 ms to 1 s, or 0 to
     * read the clock on every hit and start no thread.
     */
    private Duration clockTick = dev.cacheback.Cacheback.DEFAULT_CLOCK_TICK;

    /**
     * The caches by alias. When none is configured, one in-memory cache is created under the default
     * alias.
     */
    private Map<String, Cache> caches = new LinkedHashMap<>();

    /**
     * Settings of {@code @Cached} jobs by job name, overriding the annotation's attributes (so one
     * build can run with other lifetimes or timeouts per environment). A job name with dots goes in
     * brackets: {@code cacheback.jobs[QuoteService.quote].soft-fetch-timeout=200ms}. A name that
     * matches no {@code @Cached} method fails start-up.
     */
    private Map<String, JobProperties> jobs = new LinkedHashMap<>();

    /** The refresh queue. */
    private final Queue queue = new Queue();

    /** The worker that runs refresh tasks in this application. */
    private final Worker worker = new Worker();

    /** What workers do with a refresh that failed: retry after a growing backoff, then dead-letter. */
    private final Retry retry = new Retry();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getDefaultAlias() {
        return defaultAlias;
    }

    public void setDefaultAlias(String defaultAlias) {
        this.defaultAlias = defaultAlias;
    }

    public boolean isVerifyWrites() {
        return verifyWrites;
    }

    public void setVerifyWrites(boolean verifyWrites) {
        this.verifyWrites = verifyWrites;
    }

    public CodecType getCodec() {
        return codec;
    }

    public void setCodec(CodecType codec) {
        this.codec = codec;
    }

    public boolean isMakeDefault() {
        return makeDefault;
    }

    public void setMakeDefault(boolean makeDefault) {
        this.makeDefault = makeDefault;
    }

    public Duration getClockTick() {
        return clockTick;
    }

    public void setClockTick(Duration clockTick) {
        this.clockTick = clockTick;
    }

    public boolean isMarkStaleInBackground() {
        return markStaleInBackground;
    }

    public void setMarkStaleInBackground(boolean markStaleInBackground) {
        this.markStaleInBackground = markStaleInBackground;
    }

    public Duration getErrorLogInterval() {
        return errorLogInterval;
    }

    public void setErrorLogInterval(Duration errorLogInterval) {
        this.errorLogInterval = errorLogInterval;
    }

    public Map<String, JobProperties> getJobs() {
        return jobs;
    }

    public void setJobs(Map<String, JobProperties> jobs) {
        this.jobs = jobs;
    }

    public Map<String, Cache> getCaches() {
        return caches;
    }

    public void setCaches(Map<String, Cache> caches) {
        this.caches = caches;
    }

    public Queue getQueue() {
        return queue;
    }

    public Worker getWorker() {
        return worker;
    }

    public Retry getRetry() {
        return retry;
    }

    /** The codecs that can be chosen by name. */
    public enum CodecType {
        /** JSON through Jackson 3, sorted properties, typed by each job's declared types, no default typing. */
        JACKSON
    }

    /** Kinds of cache. */
    public enum CacheType {
        /** Caffeine in this JVM; options in {@code in-memory.*}. */
        IN_MEMORY,
        /** Redis (module cacheback-redis); {@code address} is a redis:// or rediss:// URI; options in {@code redis.*}. */
        REDIS,
        /** memcached (module cacheback-memcached); {@code address} is {@code host:port[ host:port…]}; options in {@code memcached.*}. */
        MEMCACHED,
        /** Stores nothing: every read is a miss (the seed's DummyCache); no options. */
        DUMMY
    }

    /** Kinds of backplane for a near cache ({@code cacheback.caches.<alias>.near.backplane}). */
    public enum BackplaneType {
        /** Redis pub/sub (module cacheback-redis); {@code near.backplane-address} is a redis:// URI. */
        REDIS,
        /** A RabbitMQ fanout exchange (module cacheback-rabbitmq); {@code near.backplane-address} is an amqp:// URI. */
        RABBITMQ
    }

    /** Kinds of refresh queue. */
    public enum QueueType {
        /** A thread pool in this application (the worker's concurrency); options in {@code in-process.*}. */
        IN_PROCESS,
        /** Redis Streams (module cacheback-redis); {@code address} is a redis:// URI; options in {@code redis.*}. */
        REDIS,
        /** RabbitMQ (module cacheback-rabbitmq); {@code address} is an amqp:// URI; options in {@code rabbitmq.*}. */
        RABBITMQ
    }

    /** Settings of one {@code @Cached} job ({@code cacheback.jobs.<name>.*}); each unset one keeps the annotation's. */
    public static class JobProperties {

        /** How long fetched data stays fresh (JobSettings lifetime). Default: the annotation's, else 600 s. */
        private Duration lifetime;

        /** How long one refresh may take before another is tried. Default: the annotation's, else 60 s. */
        private Duration refreshTimeout;

        /** How long the cache keeps an entry, fresh or stale. Default: the annotation's, else 30 days. */
        private Duration cacheTtl;

        /** Whether a miss calls the method in the caller's thread. Default: the annotation's, else true. */
        private Boolean fetchOnMiss;

        /** How stale (from the fetch) data may be before a read refreshes it synchronously. Default: the annotation's, else never. */
        private Duration fetchOnStaleThreshold;

        /** Stale-if-error: answer stale data at most this stale when a synchronous refresh fails. Default: the annotation's, else off. */
        private Duration failSafeMaxStaleness;

        /** A read with stale data waits at most this long for its synchronous refresh, then answers the stale data. Default: the annotation's, else no timeout. */
        private Duration softFetchTimeout;

        /** A read waits at most this long for a synchronous call, then fails with FetchTimeoutException. Default: the annotation's, else no timeout. */
        private Duration hardFetchTimeout;

        /** Consecutive failed calls that open the job's source breaker; 0 for none. Default: the annotation's, else 0. */
        private Integer sourceBreakerFailures;

        /** How long the source breaker stays open before a probe. Default: the annotation's, else 30 s. */
        private Duration sourceBreakerWindow;

        /** Per-key backoff after a first failed refresh (set with refresh-backoff-max). Default: the annotation's, else none. */
        private Duration refreshBackoffInitial;

        /** The longest per-key backoff (set with refresh-backoff-initial). Default: the annotation's, else none. */
        private Duration refreshBackoffMax;

        /** XFetch's beta for early refresh on a hit; 0 turns it off. Default: the annotation's, else 1. */
        private Double earlyRefreshBeta;

        /** Refresh a hit in the last fraction of the lifetime (0.1 = last tenth). Default: the annotation's, else off. */
        private Double refreshAhead;

        public Duration getLifetime() {
            return lifetime;
        }

        public void setLifetime(Duration lifetime) {
            this.lifetime = lifetime;
        }

        public Duration getRefreshTimeout() {
            return refreshTimeout;
        }

        public void setRefreshTimeout(Duration refreshTimeout) {
            this.refreshTimeout = refreshTimeout;
        }

        public Duration getCacheTtl() {
            return cacheTtl;
        }

        public void setCacheTtl(Duration cacheTtl) {
            this.cacheTtl = cacheTtl;
        }

        public Boolean getFetchOnMiss() {
            return fetchOnMiss;
        }

        public void setFetchOnMiss(Boolean fetchOnMiss) {
            this.fetchOnMiss = fetchOnMiss;
        }

        public Duration getFetchOnStaleThreshold() {
            return fetchOnStaleThreshold;
        }

        public void setFetchOnStaleThreshold(Duration fetchOnStaleThreshold) {
            this.fetchOnStaleThreshold = fetchOnStaleThreshold;
        }

        public Duration getFailSafeMaxStaleness() {
            return failSafeMaxStaleness;
        }

        public void setFailSafeMaxStaleness(Duration failSafeMaxStaleness) {
            this.failSafeMaxStaleness = failSafeMaxStaleness;
        }

        public Duration getSoftFetchTimeout() {
            return softFetchTimeout;
        }

        public void setSoftFetchTimeout(Duration softFetchTimeout) {
            this.softFetchTimeout = softFetchTimeout;
        }

        public Duration getHardFetchTimeout() {
            return hardFetchTimeout;
        }

        public void setHardFetchTimeout(Duration hardFetchTimeout) {
            this.hardFetchTimeout = hardFetchTimeout;
        }

        public Integer getSourceBreakerFailures() {
            return sourceBreakerFailures;
        }

        public void setSourceBreakerFailures(Integer sourceBreakerFailures) {
            this.sourceBreakerFailures = sourceBreakerFailures;
        }

        public Duration getSourceBreakerWindow() {
            return sourceBreakerWindow;
        }

        public void setSourceBreakerWindow(Duration sourceBreakerWindow) {
            this.sourceBreakerWindow = sourceBreakerWindow;
        }

        public Duration getRefreshBackoffInitial() {
            return refreshBackoffInitial;
        }

        public void setRefreshBackoffInitial(Duration refreshBackoffInitial) {
            this.refreshBackoffInitial = refreshBackoffInitial;
        }

        public Duration getRefreshBackoffMax() {
            return refreshBackoffMax;
        }

        public void setRefreshBackoffMax(Duration refreshBackoffMax) {
            this.refreshBackoffMax = refreshBackoffMax;
        }

        public Double getEarlyRefreshBeta() {
            return earlyRefreshBeta;
        }

        public void setEarlyRefreshBeta(Double earlyRefreshBeta) {
            this.earlyRefreshBeta = earlyRefreshBeta;
        }

        public Double getRefreshAhead() {
            return refreshAhead;
        }

        public void setRefreshAhead(Double refreshAhead) {
            this.refreshAhead = refreshAhead;
        }
    }

    /** One cache: its type, its address and the options of its type. */
    public static class Cache {

        /** Kind of cache: in-memory, redis, memcached or dummy. */
        private CacheType type = CacheType.IN_MEMORY;

        /**
         * Server address: a redis:// or rediss:// URI for redis, host:port (several separated by spaces)
         * for memcached. Required for those types, ignored otherwise.
         */
        private String address;

        /** Options of an in-memory cache. */
        private final InMemoryCache inMemory = new InMemoryCache();

        /** Options of a redis cache. */
        private final RedisCache redis = new RedisCache();

        /** Options of a memcached cache. */
        private final MemcachedCache memcached = new MemcachedCache();

        /** A near (in-process) level in front of this cache, kept coherent by a backplane. */
        private final Near near = new Near();

        public CacheType getType() {
            return type;
        }

        public void setType(CacheType type) {
            this.type = type;
        }

        public String getAddress() {
            return address;
        }

        public void setAddress(String address) {
            this.address = address;
        }

        public InMemoryCache getInMemory() {
            return inMemory;
        }

        public RedisCache getRedis() {
            return redis;
        }

        public MemcachedCache getMemcached() {
            return memcached;
        }

        public Near getNear() {
            return near;
        }
    }

    /** A near level in front of a cache ({@code cacheback.caches.<alias>.near.*}); see {@link dev.cacheback.NearCache}. */
    public static class Near {

        /** Whether reads are served from an in-process copy kept coherent across processes by a backplane. Default false. */
        private boolean enabled = false;

        /** Most entries held in process; the least recently used go first. Default 10,000. */
        private long maximumSize = 10_000;

        /**
         * How long after another process's replacing write a copy may still be served while this process's
         * backplane is cut or slow; then copies are bypassed until it is back. Default 2 s.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration maxDisconnectedStaleness = Duration.ofSeconds(2);

        /** How long a copy lives at most after it was read from the remote cache. Default 5 minutes. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration timeToLive = Duration.ofMinutes(5);

        /** Kind of backplane: redis or rabbitmq. Default: redis for a redis cache; required otherwise. */
        private BackplaneType backplane;

        /** The backplane's server: a redis:// or amqp:// URI. Default: the cache's address for a redis backplane in front of a redis cache. */
        private String backplaneAddress;

        /** The Redis channel or RabbitMQ fanout exchange the processes sharing this cache use. Default cacheback:near (Redis), cacheback.near (RabbitMQ). */
        private String channel;

        /** How often a process proves its backplane subscription; at most half of max-disconnected-staleness. Default 500 ms. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration heartbeatInterval;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public long getMaximumSize() {
            return maximumSize;
        }

        public void setMaximumSize(long maximumSize) {
            this.maximumSize = maximumSize;
        }

        public Duration getMaxDisconnectedStaleness() {
            return maxDisconnectedStaleness;
        }

        public void setMaxDisconnectedStaleness(Duration maxDisconnectedStaleness) {
            this.maxDisconnectedStaleness = maxDisconnectedStaleness;
        }

        public Duration getTimeToLive() {
            return timeToLive;
        }

        public void setTimeToLive(Duration timeToLive) {
            this.timeToLive = timeToLive;
        }

        public BackplaneType getBackplane() {
            return backplane;
        }

        public void setBackplane(BackplaneType backplane) {
            this.backplane = backplane;
        }

        public String getBackplaneAddress() {
            return backplaneAddress;
        }

        public void setBackplaneAddress(String backplaneAddress) {
            this.backplaneAddress = backplaneAddress;
        }

        public String getChannel() {
            return channel;
        }

        public void setChannel(String channel) {
            this.channel = channel;
        }

        public Duration getHeartbeatInterval() {
            return heartbeatInterval;
        }

        public void setHeartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
        }
    }

    /** Options of a cache of type in-memory ({@code cacheback.caches.<alias>.in-memory.*}). */
    public static class InMemoryCache {

        /** Most entries kept; the least recently used go first. */
        private long maximumSize = 10_000;

        /**
         * Whether entries are stored encoded (a copy per read, as a remote cache behaves) rather than
         * as the objects themselves.
         */
        private boolean storeCopies = false;

        public long getMaximumSize() {
            return maximumSize;
        }

        public void setMaximumSize(long maximumSize) {
            this.maximumSize = maximumSize;
        }

        public boolean isStoreCopies() {
            return storeCopies;
        }

        public void setStoreCopies(boolean storeCopies) {
            this.storeCopies = storeCopies;
        }
    }

    /** Options of a cache of type redis ({@code cacheback.caches.<alias>.redis.*}). */
    public static class RedisCache {

        /** After a command timed out, commands fail fast and one probe is tried this often until Redis answers. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration probeInterval;


        /** Put before every key, to share one Redis between applications. Default: none. */
        private String keyPrefix;

        /** The longest one command waits before it fails and the job answers without the cache. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration commandTimeout;

        /** The longest one connection attempt takes. Default 2 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration connectTimeout;

        /** Whether the address is one node of a Redis Cluster. */
        private boolean cluster = false;

        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public Duration getCommandTimeout() {
            return commandTimeout;
        }

        public void setCommandTimeout(Duration commandTimeout) {
            this.commandTimeout = commandTimeout;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public boolean isCluster() {
            return cluster;
        }

        public void setCluster(boolean cluster) {
            this.cluster = cluster;
        }

        public Duration getProbeInterval() {
            return probeInterval;
        }

        public void setProbeInterval(Duration probeInterval) {
            this.probeInterval = probeInterval;
        }
    }

    /** Options of a cache of type memcached ({@code cacheback.caches.<alias>.memcached.*}). */
    public static class MemcachedCache {

        /** Put before every key (at most 8 bytes), to share memcached servers between applications. Default: none. */
        private String keyPrefix;

        /** After an operation on a server timed out, operations on its keys fail fast and one probe is tried this often until it answers. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration probeInterval;


        /** The longest one operation waits for its server before it fails and the job answers without the cache. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration operationTimeout;

        /** How long opening waits for each server's connection. Default 2 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration connectTimeout;

        /** How long after losing a server the first reconnection is tried (the n-th waits n times as long). Default 2 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration reconnectInterval;

        /** The servers' item size limit (memcached's -I option); a plain number is bytes. Default 1MB. */
        @DataSizeUnit(DataUnit.BYTES)
        private DataSize itemSizeLimit;

        public Duration getOperationTimeout() {
            return operationTimeout;
        }

        public void setOperationTimeout(Duration operationTimeout) {
            this.operationTimeout = operationTimeout;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReconnectInterval() {
            return reconnectInterval;
        }

        public void setReconnectInterval(Duration reconnectInterval) {
            this.reconnectInterval = reconnectInterval;
        }

        public DataSize getItemSizeLimit() {
            return itemSizeLimit;
        }

        public void setItemSizeLimit(DataSize itemSizeLimit) {
            this.itemSizeLimit = itemSizeLimit;
        }

        public String getKeyPrefix() {
            return keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        public Duration getProbeInterval() {
            return probeInterval;
        }

        public void setProbeInterval(Duration probeInterval) {
            this.probeInterval = probeInterval;
        }
    }

    /** The refresh queue: its type, its address and the options of its type. */
    public static class Queue {

        /** Kind of queue (the seed's CACHEBACK_TASK_QUEUE): in-process, redis or rabbitmq. */
        private QueueType type = QueueType.IN_PROCESS;

        /**
         * Broker address: a redis:// URI for redis, an amqp:// or amqps:// URI for rabbitmq (its path is
         * the virtual host: amqp://user:pass@mq:5672/%2F or amqp://mq:5672 for the default "/").
         * Required for those types, ignored otherwise.
         */
        private String address;

        /** Options of the in-process queue. */
        private final InProcessQueue inProcess = new InProcessQueue();

        /** Options of the redis (Redis Streams) queue. */
        private final RedisQueue redis = new RedisQueue();

        /** Options of the rabbitmq queue. */
        private final RabbitQueue rabbitmq = new RabbitQueue();

        public QueueType getType() {
            return type;
        }

        public void setType(QueueType type) {
            this.type = type;
        }

        public String getAddress() {
            return address;
        }

        public void setAddress(String address) {
            this.address = address;
        }

        public InProcessQueue getInProcess() {
            return inProcess;
        }

        public RedisQueue getRedis() {
            return redis;
        }

        public RabbitQueue getRabbitmq() {
            return rabbitmq;
        }
    }

    /** Options of the in-process queue ({@code cacheback.queue.in-process.*}). */
    public static class InProcessQueue {

        /** Most tasks waiting for a worker thread; more are dropped and counted. Default 10000. */
        private Integer capacity;

        public Integer getCapacity() {
            return capacity;
        }

        public void setCapacity(Integer capacity) {
            this.capacity = capacity;
        }
    }

    /** Options of the redis queue, on Redis Streams ({@code cacheback.queue.redis.*}). */
    public static class RedisQueue {

        /** After a command timed out, enqueues fail fast (refreshing synchronously) and one probe is tried this often until Redis answers. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration probeInterval;


        /** Whether the address is one node of a Redis Cluster. */
        private boolean cluster = false;

        /** Put before each queue name to make its stream's key. Default "cacheback:queue:". */
        private String streamPrefix;

        /** The queue of tasks whose job sets no queue task option. Default "default". */
        private String defaultQueue;

        /** The consumer group workers share. Default "cacheback". */
        private String group;

        /** This worker's name in the group. Default: host name, process id and a random suffix. */
        private String consumerName;

        /** About how many entries each stream keeps (XADD MAXLEN ~). Default 100000. */
        private Long maxLength;

        /** How long a task may stay unacknowledged before a live worker claims it; must exceed the longest refresh. Default 2 min. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration claimIdle;

        /** How long one blocking read waits for tasks. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration blockTime;

        /** The longest one command (such as an enqueue's XADD) waits. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration commandTimeout;

        /** The longest one connection attempt takes. Default 2 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration connectTimeout;

        /** How long closing waits for running refreshes. Default 30 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration shutdownTimeout;

        public boolean isCluster() {
            return cluster;
        }

        public void setCluster(boolean cluster) {
            this.cluster = cluster;
        }

        public String getStreamPrefix() {
            return streamPrefix;
        }

        public void setStreamPrefix(String streamPrefix) {
            this.streamPrefix = streamPrefix;
        }

        public String getDefaultQueue() {
            return defaultQueue;
        }

        public void setDefaultQueue(String defaultQueue) {
            this.defaultQueue = defaultQueue;
        }

        public String getGroup() {
            return group;
        }

        public void setGroup(String group) {
            this.group = group;
        }

        public String getConsumerName() {
            return consumerName;
        }

        public void setConsumerName(String consumerName) {
            this.consumerName = consumerName;
        }

        public Long getMaxLength() {
            return maxLength;
        }

        public void setMaxLength(Long maxLength) {
            this.maxLength = maxLength;
        }

        public Duration getClaimIdle() {
            return claimIdle;
        }

        public void setClaimIdle(Duration claimIdle) {
            this.claimIdle = claimIdle;
        }

        public Duration getBlockTime() {
            return blockTime;
        }

        public void setBlockTime(Duration blockTime) {
            this.blockTime = blockTime;
        }

        public Duration getCommandTimeout() {
            return commandTimeout;
        }

        public void setCommandTimeout(Duration commandTimeout) {
            this.commandTimeout = commandTimeout;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getShutdownTimeout() {
            return shutdownTimeout;
        }

        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }

        public Duration getProbeInterval() {
            return probeInterval;
        }

        public void setProbeInterval(Duration probeInterval) {
            this.probeInterval = probeInterval;
        }
    }

    /** Options of the rabbitmq queue ({@code cacheback.queue.rabbitmq.*}). */
    public static class RabbitQueue {

        /** Enqueued tasks waiting for the broker's confirm at most; past it an enqueue fails at once and refreshes synchronously. Default 1000. */
        private Integer maxUnconfirmed;

        /** How long a task may wait for its publish and confirm before it counts as lost (the lease then expires and the next stale read retries); also bounds a health check's queue declaration. Default 2 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration publishTimeout;

        /** How long a connection attempt may take. Default 2 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration connectTimeout;

        /** The pause between connection attempts, at most 2 s. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration reconnectInterval;

        /** After a publish timed out, enqueues fail fast (refreshing synchronously) and one probe is tried this often until the broker answers. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration probeInterval;


        /** The queue for tasks whose job sets no queue task option; also what a worker consumes by default. Default "cacheback". */
        private String defaultQueue;

        /** Tasks each consumer holds unacknowledged (basicQos); worker only. Default 1. */
        private Integer prefetch;

        /** How long closing waits for running tasks; worker only. Default 30 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration shutdownTimeout;

        public String getDefaultQueue() {
            return defaultQueue;
        }

        public void setDefaultQueue(String defaultQueue) {
            this.defaultQueue = defaultQueue;
        }

        public Integer getPrefetch() {
            return prefetch;
        }

        public void setPrefetch(Integer prefetch) {
            this.prefetch = prefetch;
        }

        public Duration getShutdownTimeout() {
            return shutdownTimeout;
        }

        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }

        public Integer getMaxUnconfirmed() {
            return maxUnconfirmed;
        }

        public void setMaxUnconfirmed(Integer maxUnconfirmed) {
            this.maxUnconfirmed = maxUnconfirmed;
        }

        public Duration getPublishTimeout() {
            return publishTimeout;
        }

        public void setPublishTimeout(Duration publishTimeout) {
            this.publishTimeout = publishTimeout;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getReconnectInterval() {
            return reconnectInterval;
        }

        public void setReconnectInterval(Duration reconnectInterval) {
            this.reconnectInterval = reconnectInterval;
        }

        public Duration getProbeInterval() {
            return probeInterval;
        }

        public void setProbeInterval(Duration probeInterval) {
            this.probeInterval = probeInterval;
        }
    }

    /** The worker that runs refresh tasks in this application. */
    public static class Worker {

        /** Whether a worker whose caches are all private to its process (in-memory) may start; a worker refreshing into a cache no other process reads leaves them stale. Default false. */
        private boolean allowLocalCache = false;


        /**
         * Whether this application consumes refresh tasks. The in-process queue always does; with a
         * broker queue, false makes this application a producer only.
         */
        private boolean enabled = true;

        /** Names of the queues consumed, for broker queues; empty means the queue's default. */
        private List<String> queues = new ArrayList<>();

        /** How many refresh tasks run at once. */
        private int concurrency = 2;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public List<String> getQueues() {
            return queues;
        }

        public void setQueues(List<String> queues) {
            this.queues = queues;
        }

        public int getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(int concurrency) {
            this.concurrency = concurrency;
        }

        public boolean isAllowLocalCache() {
            return allowLocalCache;
        }

        public void setAllowLocalCache(boolean allowLocalCache) {
            this.allowLocalCache = allowLocalCache;
        }
    }

    /**
     * The retry policy of every queue's worker ({@code cacheback.retry.*}): a failed refresh is tried
     * again after a backoff that starts at {@code initial-backoff} and grows by {@code multiplier}
     * each attempt (jittered, capped at {@code max-backoff}), and dead-lettered with its reason after
     * {@code max-attempts} attempts.
     */
    public static class Retry {

        /** Tries in all before a failing refresh task is dead-lettered. Default 5. */
        private Integer maxAttempts;

        /** The backoff after the first failure. Default 1 s. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration initialBackoff;

        /** The longest backoff. Default 5 min. */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration maxBackoff;

        /** Growth of the backoff per attempt, at least 1. Default 2. */
        private Double multiplier;

        /** Jitter fraction from 0 to 1: each backoff is scaled by a random factor in [1 - jitter, 1 + jitter]. Default 0.2. */
        private Double jitter;

        public Integer getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public Double getMultiplier() {
            return multiplier;
        }

        public void setMultiplier(Double multiplier) {
            this.multiplier = multiplier;
        }

        public Double getJitter() {
            return jitter;
        }

        public void setJitter(Double jitter) {
            this.jitter = jitter;
        }

        /** The policy these properties describe; unset ones take RetryPolicy's defaults. */
        dev.cacheback.RetryPolicy toPolicy() {
            dev.cacheback.RetryPolicy.Builder b = dev.cacheback.RetryPolicy.builder();
            if (maxAttempts != null) {
                b.maxAttempts(maxAttempts);
            }
            if (initialBackoff != null) {
                b.initialBackoff(initialBackoff);
            }
            if (maxBackoff != null) {
                b.maxBackoff(maxBackoff);
            }
            if (multiplier != null) {
                b.multiplier(multiplier);
            }
            if (jitter != null) {
                b.jitter(jitter);
            }
            return b.build();
        }
    }
}

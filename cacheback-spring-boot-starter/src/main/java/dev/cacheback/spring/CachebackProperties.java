package dev.cacheback.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
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
     * The caches by alias. When none is configured, one in-memory cache is created under the default
     * alias.
     */
    private Map<String, Cache> caches = new LinkedHashMap<>();

    /** The refresh queue. */
    private final Queue queue = new Queue();

    /** The worker that runs refresh tasks in this application. */
    private final Worker worker = new Worker();

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

    public Duration getErrorLogInterval() {
        return errorLogInterval;
    }

    public void setErrorLogInterval(Duration errorLogInterval) {
        this.errorLogInterval = errorLogInterval;
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

    /** The codecs that can be chosen by name. */
    public enum CodecType {
        /** JSON through Jackson 3, sorted properties, typed by each job's declared types, no default typing. */
        JACKSON
    }

    /** Kinds of cache. */
    public enum CacheType {
        /** Caffeine in this JVM; options {@code maximum-size} (10000) and {@code store-copies} (false). */
        IN_MEMORY,
        /** Redis (module cacheback-redis); {@code address} is a redis:// or rediss:// URI. */
        REDIS,
        /** memcached (module cacheback-memcached); {@code address} is {@code host:port[ host:port…]}. */
        MEMCACHED,
        /** Stores nothing: every read is a miss (the seed's DummyCache). */
        DUMMY
    }

    /** Kinds of refresh queue. */
    public enum QueueType {
        /** A thread pool in this application (the worker's concurrency); option {@code capacity} (10000). */
        IN_PROCESS,
        /** Redis Streams (module cacheback-redis); {@code address} is a redis:// URI. */
        REDIS,
        /** RabbitMQ (module cacheback-rabbitmq); {@code address} is an amqp:// URI. */
        RABBITMQ
    }

    /** One cache. */
    public static class Cache {

        /** Kind of cache. */
        private CacheType type = CacheType.IN_MEMORY;

        /** Server address, for redis and memcached. */
        private String address;

        /** Backend-specific options, such as maximum-size for in-memory or key-prefix for redis. */
        private Map<String, String> options = new LinkedHashMap<>();

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

        public Map<String, String> getOptions() {
            return options;
        }

        public void setOptions(Map<String, String> options) {
            this.options = options;
        }
    }

    /** The refresh queue. */
    public static class Queue {

        /** Kind of queue (the seed's CACHEBACK_TASK_QUEUE). */
        private QueueType type = QueueType.IN_PROCESS;

        /** Broker address, for redis and rabbitmq. */
        private String address;

        /** Queue-specific options, such as capacity for in-process. */
        private Map<String, String> options = new LinkedHashMap<>();

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

        public Map<String, String> getOptions() {
            return options;
        }

        public void setOptions(Map<String, String> options) {
            this.options = options;
        }
    }

    /** The worker that runs refresh tasks in this application. */
    public static class Worker {

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
    }
}

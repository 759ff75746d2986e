package dev.cacheback.redis;

import dev.cacheback.TaskOptions;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A refresh queue on Redis Streams (the role RQ plays for the seed): producers add tasks to a stream,
 * workers in any number of processes read them through a consumer group.
 * <pre>{@code
 * // in the application: produce only
 * RefreshQueue queue = RedisRefreshQueue.builder("redis://cache-1:6379").build();
 * // in a worker (or the application itself): also consume, with 4 threads
 * RefreshQueue worker = RedisRefreshQueue.builder("redis://cache-1:6379").worker(4).build();
 * // a worker inside an application that constructs its jobs after building the runtime
 * RedisRefreshQueue deferred = RedisRefreshQueue.builder("redis://cache-1:6379").worker(4).deferWorkerStart().build();
 * Cacheback runtime = Cacheback.builder().cache("default", sharedCache).queue(deferred).build();
 * new ReportJob(runtime);
 * deferred.startWorker();
 * }</pre>
 *
 * <p>How it works: one stream per queue name, at {@code streamPrefix + queue} (default
 * {@code cacheback:queue:default}); a task's queue is its {@code queue} task option, else
 * {@link Builder#defaultQueue}. {@link #enqueue} is one {@code XADD … MAXLEN ~ maxLength} (the stream
 * is trimmed to about that many entries) and throws {@link RefreshQueueException} at once when Redis
 * cannot be reached, so the engine refreshes synchronously instead. A worker reads with
 * {@code XREADGROUP} on a connection of its own per queue, runs each task through the runtime, and
 * acknowledges it ({@code XACK}) only after the refresh finished. Tasks a consumer took and never
 * acknowledged (it died, or the refresh failed) are claimed by a live worker once idle for
 * {@link Builder#claimIdle} and tried again; after {@link Builder#maxDeliveries} deliveries a task is
 * moved to the dead-letter stream {@code <stream>:dead} with a {@code reason} field. Tasks no job can
 * run (unknown job, unreadable bytes) are dead-lettered at once; tasks older than their
 * {@code expiration} option are dropped unrun. A worker starts consuming when the runtime opens the
 * queue or, with {@link Builder#deferWorkerStart()}, when {@link #startWorker()} is called.
 *
 * <p>Task options honoured: {@code queue} and {@code expiration}; any other is refused when a job is
 * created, naming it.
 *
 * <p>Thread-safe. {@link #close()} stops taking tasks, stops reading, lets running refreshes finish
 * (within {@link Builder#shutdownTimeout}; unfinished ones stay unacknowledged and are claimed by
 * another worker), and closes connections and threads.
 */
public final class RedisRefreshQueue implements RefreshQueue {

    static final String TASK_FIELD = "task";
    static final String REASON_FIELD = "reason";
    static final String DEAD_SUFFIX = ":dead";
    private static final Set<TaskOptions.Option> HONOURED = EnumSet.of(TaskOptions.Option.QUEUE, TaskOptions.Option.EXPIRATION);

    private final String uri;
    private final boolean cluster;
    private final String streamPrefix;
    private final String defaultQueue;
    private final String group;
    private final String consumerName;
    private final Integer concurrency;
    private final List<String> queues;
    private final long maxLength;
    private final int maxDeliveries;
    private final Duration claimIdle;
    private final Duration blockTime;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Duration shutdownTimeout;
    private final boolean deferWorkerStart;
    private final String description;
    private final Set<String> groupsMade = ConcurrentHashMap.newKeySet();
    private volatile RedisConnector connector;
    private volatile StreamWorker worker;
    private volatile boolean closed;

    private RedisRefreshQueue(Builder b) {
        this.uri = b.uri;
        this.cluster = b.cluster != null && b.cluster;
        this.streamPrefix = b.streamPrefix != null ? b.streamPrefix : "cacheback:queue:";
        this.defaultQueue = b.defaultQueue != null ? b.defaultQueue : "default";
        this.group = b.group != null ? b.group : "cacheback";
        this.consumerName = b.consumerName != null ? b.consumerName : defaultConsumerName();
        this.concurrency = b.concurrency;
        List<String> consumed = b.queues != null ? b.queues : List.of(this.defaultQueue);
        this.queues = List.copyOf(new LinkedHashSet<>(consumed));
        this.maxLength = b.maxLength != null ? b.maxLength : 100_000;
        this.maxDeliveries = b.maxDeliveries != null ? b.maxDeliveries : 3;
        this.claimIdle = b.claimIdle != null ? b.claimIdle : Duration.ofMinutes(2);
        this.blockTime = b.blockTime != null ? b.blockTime : Duration.ofSeconds(1);
        this.commandTimeout = b.commandTimeout != null ? b.commandTimeout : RedisCacheBackend.Builder.DEFAULT_COMMAND_TIMEOUT;
        this.connectTimeout = b.connectTimeout != null ? b.connectTimeout : RedisCacheBackend.Builder.DEFAULT_CONNECT_TIMEOUT;
        this.shutdownTimeout = b.shutdownTimeout != null ? b.shutdownTimeout : Duration.ofSeconds(30);
        this.deferWorkerStart = b.deferWorkerStart != null && b.deferWorkerStart;
        this.description = RedisConnector.describe(RedisConnector.parse(uri), cluster) + " streams " + streamPrefix + "*";
        if (b.queues != null && concurrency == null) {
            throw new IllegalStateException("queues(…) names the queues a worker consumes: also call worker(concurrency)");
        }
        if (deferWorkerStart && concurrency == null) {
            throw new IllegalStateException("deferWorkerStart() defers the start of a worker, but this queue does not "
                    + "consume: also call worker(concurrency)");
        }
    }

    /**
     * A builder for a queue on the Redis at {@code uri} ({@code redis://[:password@]host[:port][/database]}
     * or {@code rediss://…}). By default the queue only produces; {@link Builder#worker} makes it consume too.
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    public synchronized void open(QueueContext context) {
        Objects.requireNonNull(context, "context");
        if (connector != null || closed) {
            throw new IllegalStateException("This Redis queue (" + describe() + ") is already opened by a runtime; "
                    + "build one queue per runtime");
        }
        RedisConnector c = new RedisConnector(uri, cluster, commandTimeout, connectTimeout);
        connector = c;
        c.start(connectTimeout);
        if (concurrency != null) {
            StreamWorker w = new StreamWorker(this, c, context);
            worker = w;
            if (!deferWorkerStart) {
                w.start();
            }
        }
    }

    /**
     * Starts consuming, for a queue built with {@link Builder#deferWorkerStart()}: call it once the
     * runtime's jobs are constructed, so that tasks already waiting are not dead-lettered as unknown
     * jobs. Starts the reader threads, which connect (and keep trying) in the background.
     *
     * @throws IllegalStateException when the queue is not opened, not a worker, closed, or already started
     */
    public synchronized void startWorker() {
        if (connector == null) {
            throw new IllegalStateException("The Redis refresh queue is not opened: build the Cacheback runtime first");
        }
        if (worker == null) {
            throw new IllegalStateException("This Redis refresh queue does not consume: build it with worker(concurrency)");
        }
        if (closed) {
            throw new IllegalStateException("The Redis refresh queue " + describe() + " is closed");
        }
        worker.start();
    }

    @Override
    public boolean enqueue(RefreshTask task) {
        Objects.requireNonNull(task, "task");
        RedisConnector c = connector;
        if (c == null) {
            throw new IllegalStateException("The Redis queue is not opened: give it to Cacheback.builder().queue(…)");
        }
        if (closed) {
            throw new RefreshQueueException("The Redis refresh queue " + describe() + " is closed");
        }
        String stream = streamKey(queueOf(task));
        try {
            ensureGroup(c, stream);
            Map<byte[], byte[]> body = new LinkedHashMap<>();
            body.put(bytes(TASK_FIELD), task.toBytes());
            body.put(bytes("job"), bytes(task.jobName()));
            body.put(bytes("key"), bytes(task.key()));
            c.commands().xadd(bytes(stream), new XAddArgs().maxlen(maxLength).approximateTrimming(), body);
            return true;
        } catch (RuntimeException e) {
            throw new RefreshQueueException("Unable to add the refresh task of job " + task.jobName() + " key " + task.key()
                    + " to stream " + stream + " on " + c.description() + ": " + e.getMessage(), e);
        }
    }

    /** Creates the stream and its consumer group once per stream and process; an existing group is fine. */
    void ensureGroup(RedisConnector c, String stream) {
        if (groupsMade.contains(stream)) {
            return;
        }
        try {
            c.commands().xgroupCreate(XReadArgs.StreamOffset.from(bytes(stream), "0"), bytes(group),
                    new XGroupCreateArgs().mkstream(true));
        } catch (RedisBusyException e) {
            // BUSYGROUP: the group exists already
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) {
                throw e;
            }
        }
        groupsMade.add(stream);
    }

    /** Forgets that a stream's group was made (after a NOGROUP error: someone deleted the stream). */
    void groupLost(String stream) {
        groupsMade.remove(stream);
    }

    @Override
    public void validate(TaskOptions options) {
        options.requireOnly("The Redis Streams refresh queue", HONOURED);
        if (options.queue() != null) {
            String violation = dev.cacheback.spi.Keys.violation(options.queue());
            if (violation != null) {
                throw new IllegalArgumentException("Task option queue \"" + options.queue() + "\" is not usable as a "
                        + "Redis stream name: " + violation.replace("the key", "the name"));
            }
        }
    }

    @Override
    public String describe() {
        return description;
    }

    /** The stream that holds the tasks of {@code queue}: {@code streamPrefix + queue}. */
    public String streamKey(String queue) {
        return streamPrefix + Objects.requireNonNull(queue, "queue");
    }

    /** The dead-letter stream of {@code queue}: its stream key followed by {@code ":dead"}. */
    public String deadLetterStreamKey(String queue) {
        return streamKey(queue) + DEAD_SUFFIX;
    }

    /** The consumer group workers read with. */
    public String group() {
        return group;
    }

    /** This queue's consumer name within the group (meaningful for workers). */
    public String consumerName() {
        return consumerName;
    }

    /** The queues this queue's worker consumes, or an empty list when it only produces. */
    public List<String> consumedQueues() {
        return concurrency == null ? List.of() : queues;
    }

    @Override
    public void close() {
        StreamWorker w;
        RedisConnector c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            w = worker;
            c = connector;
        }
        try {
            if (w != null) {
                w.stop(shutdownTimeout);
            }
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    // ------------------------------------------------------------------ for StreamWorker

    int concurrency() {
        return concurrency;
    }

    long maxLength() {
        return maxLength;
    }

    int maxDeliveries() {
        return maxDeliveries;
    }

    Duration claimIdle() {
        return claimIdle;
    }

    Duration blockTime() {
        return blockTime;
    }

    Duration commandTimeout() {
        return commandTimeout;
    }

    private String queueOf(RefreshTask task) {
        String q = task.options().queue();
        return q != null ? q : defaultQueue;
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String defaultConsumerName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        String runtime = ManagementFactory.getRuntimeMXBean().getName();
        String pid = runtime.contains("@") ? runtime.substring(0, runtime.indexOf('@')) : runtime;
        return host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    /**
     * Builds a {@link RedisRefreshQueue}. {@link #build()} copies what it was given; setting an option
     * twice is an error. Not thread-safe.
     */
    public static final class Builder {
        private final String uri;
        private Boolean cluster;
        private String streamPrefix;
        private String defaultQueue;
        private String group;
        private String consumerName;
        private Integer concurrency;
        private List<String> queues;
        private Long maxLength;
        private Integer maxDeliveries;
        private Duration claimIdle;
        private Duration blockTime;
        private Duration commandTimeout;
        private Duration connectTimeout;
        private Duration shutdownTimeout;
        private Boolean deferWorkerStart;

        private Builder(String uri) {
            RedisConnector.parse(uri);
            this.uri = uri;
        }

        /** Treats the URI as one node of a Redis Cluster. Default: a standalone Redis. */
        public Builder cluster() {
            RedisCacheBackend.requireUnset(cluster, "cluster");
            this.cluster = true;
            return this;
        }

        /** Put before each queue name to make its stream's key. Default {@code "cacheback:queue:"}. */
        public Builder streamPrefix(String prefix) {
            RedisCacheBackend.requireUnset(streamPrefix, "streamPrefix");
            this.streamPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** The queue of tasks whose job sets no {@code queue} task option. Default {@code "default"}. */
        public Builder defaultQueue(String queue) {
            RedisCacheBackend.requireUnset(defaultQueue, "defaultQueue");
            this.defaultQueue = requireName(queue, "defaultQueue");
            return this;
        }

        /** The consumer group workers share. Default {@code "cacheback"}. */
        public Builder group(String group) {
            RedisCacheBackend.requireUnset(this.group, "group");
            this.group = requireName(group, "group");
            return this;
        }

        /** This worker's name in the group. Default: host name, process id and a random suffix. */
        public Builder consumerName(String name) {
            RedisCacheBackend.requireUnset(consumerName, "consumerName");
            this.consumerName = requireName(name, "consumerName");
            return this;
        }

        /**
         * Makes this queue a worker too: it consumes tasks in this process with {@code concurrency}
         * threads, starting when the runtime opens it (see {@link #deferWorkerStart()}). Default: produce only.
         */
        public Builder worker(int concurrency) {
            RedisCacheBackend.requireUnset(this.concurrency, "worker");
            if (concurrency < 1) {
                throw new IllegalArgumentException("worker concurrency must be at least 1, not " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** The queues the worker consumes. Default: the default queue. Requires {@link #worker}. */
        public Builder queues(String... queues) {
            RedisCacheBackend.requireUnset(this.queues, "queues");
            if (queues.length == 0) {
                throw new IllegalArgumentException("queues: name at least one queue");
            }
            List<String> list = new ArrayList<>();
            for (String q : queues) {
                list.add(requireName(q, "queue"));
            }
            this.queues = List.copyOf(list);
            return this;
        }

        /** About how many entries each stream keeps (XADD MAXLEN ~). Default 100,000. */
        public Builder maxLength(long maxLength) {
            RedisCacheBackend.requireUnset(this.maxLength, "maxLength");
            if (maxLength < 1) {
                throw new IllegalArgumentException("maxLength must be at least 1, not " + maxLength);
            }
            this.maxLength = maxLength;
            return this;
        }

        /**
         * How many times a task is delivered (first try and retries after failures or dead consumers)
         * before it is moved to the dead-letter stream. Default 3.
         */
        public Builder maxDeliveries(int maxDeliveries) {
            RedisCacheBackend.requireUnset(this.maxDeliveries, "maxDeliveries");
            if (maxDeliveries < 1) {
                throw new IllegalArgumentException("maxDeliveries must be at least 1, not " + maxDeliveries);
            }
            this.maxDeliveries = maxDeliveries;
            return this;
        }

        /**
         * How long a task may stay unacknowledged before a live worker claims it and tries again (its
         * consumer died, or its refresh failed). Must exceed the longest refresh, or a slow refresh is
         * run twice. Default 2 minutes.
         */
        public Builder claimIdle(Duration idle) {
            RedisCacheBackend.requireUnset(claimIdle, "claimIdle");
            this.claimIdle = RedisCacheBackend.requirePositive(idle, "claimIdle");
            return this;
        }

        /** How long one blocking read waits for tasks; also bounds how long close() waits for readers. Default 1 s. */
        public Builder blockTime(Duration blockTime) {
            RedisCacheBackend.requireUnset(this.blockTime, "blockTime");
            this.blockTime = RedisCacheBackend.requirePositive(blockTime, "blockTime");
            return this;
        }

        /** The longest one command (such as an enqueue's XADD) waits before it fails. Default 1 s. */
        public Builder commandTimeout(Duration timeout) {
            RedisCacheBackend.requireUnset(commandTimeout, "commandTimeout");
            this.commandTimeout = RedisCacheBackend.requirePositive(timeout, "commandTimeout");
            return this;
        }

        /** The longest one connection attempt takes. Default 2 s. */
        public Builder connectTimeout(Duration timeout) {
            RedisCacheBackend.requireUnset(connectTimeout, "connectTimeout");
            this.connectTimeout = RedisCacheBackend.requirePositive(timeout, "connectTimeout");
            return this;
        }

        /** How long close() waits for running refreshes to finish. Default 30 s. */
        public Builder shutdownTimeout(Duration timeout) {
            RedisCacheBackend.requireUnset(shutdownTimeout, "shutdownTimeout");
            this.shutdownTimeout = RedisCacheBackend.requirePositive(timeout, "shutdownTimeout");
            return this;
        }

        /**
         * Does not consume when the runtime opens the queue, but when {@link RedisRefreshQueue#startWorker()}
         * is called: for applications that construct their jobs after building the runtime. Requires {@link #worker}.
         */
        public Builder deferWorkerStart() {
            RedisCacheBackend.requireUnset(deferWorkerStart, "deferWorkerStart");
            this.deferWorkerStart = true;
            return this;
        }

        /**
         * A queue with these settings; it connects (and its worker starts, unless {@link #deferWorkerStart()})
         * when a runtime opens it.
         *
         * @throws IllegalStateException when queues(…) or deferWorkerStart() is set without worker(…)
         */
        public RedisRefreshQueue build() {
            return new RedisRefreshQueue(this);
        }

        private static String requireName(String name, String option) {
            Objects.requireNonNull(name, option);
            String violation = dev.cacheback.spi.Keys.violation(name);
            if (violation != null) {
                throw new IllegalArgumentException(option + " \"" + name + "\" is not usable in a Redis key: "
                        + violation.replace("the key", "the name"));
            }
            return name;
        }
    }

    /**
     * Sends {@code PING} through the shared connection, waiting at most the command timeout (default
     * 1 s); returns when Redis answers {@code PONG}. Thread-safe.
     *
     * @throws RefreshQueueException when Redis does not answer in time, the connection is not made (yet),
     *         or this queue is closed
     * @throws IllegalStateException when no runtime opened this queue
     */
    @Override
    public void ping() {
        RedisConnector c = connector;
        if (c == null) {
            throw new IllegalStateException("The Redis queue is not opened: give it to Cacheback.builder().queue(…)");
        }
        if (closed) {
            throw new RefreshQueueException("The Redis refresh queue " + describe() + " is closed");
        }
        String reply;
        try {
            reply = c.commands().ping();
        } catch (RuntimeException e) {
            throw new RefreshQueueException("Redis " + c.description() + " did not answer PING within " + commandTimeout
                    + ": " + e.getMessage(), e);
        }
        if (!"PONG".equals(reply)) {
            throw new RefreshQueueException("Redis " + c.description() + " answered PING with " + reply + ", not PONG");
        }
    }
}

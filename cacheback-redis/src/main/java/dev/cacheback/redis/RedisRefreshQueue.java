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
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

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
 * workers in any number of processes read them through a consumer group and hand each to the
 * runtime's {@link dev.cacheback.WorkerEngine}, which decides, by the runtime's
 * {@link dev.cacheback.RetryPolicy}, whether it is acknowledged, retried after a backoff or
 * dead-lettered (DESIGN.md F3). This queue keeps only the transport.
 * <pre>{@code
 * // in the application: produce only
 * RefreshQueue queue = RedisRefreshQueue.builder("redis://cache-1:6379").build();
 * // in a worker (or the application itself): also consume, with 4 threads
 * RefreshQueue worker = RedisRefreshQueue.builder("redis://cache-1:6379").worker().concurrency(4).build();
 * // a worker inside an application that constructs its jobs after building the runtime
 * RefreshQueue deferred = RedisRefreshQueue.builder("redis://cache-1:6379").worker().deferWorkerStart().build();
 * Cacheback runtime = Cacheback.builder().cache("default", sharedCache).queue(deferred).build();
 * new ReportJob(runtime);
 * runtime.startWorkers();
 * }</pre>
 *
 * <p>Keys: one stream per queue name at {@code streamPrefix + "{" + queue + "}"} (default
 * {@code cacheback:queue:{cacheback}}; the braces keep a queue's keys in one Redis Cluster slot), its
 * delayed set at {@code <stream>:delayed} and its dead-letter stream at {@code <stream>:dead}. A
 * task's queue is its {@code queue} task option, else {@link Builder#defaultQueue} (default
 * {@value RefreshQueue#DEFAULT_QUEUE}).
 *
 * <p>Producing: {@link #enqueue} is one {@code XADD … MAXLEN ~ maxLength} (fields {@code task},
 * {@code job}, {@code key}) on the shared connection, bounded by the command timeout; after a timeout
 * or a connection failure enqueues fail at once until a probe (one every {@link Builder#probeInterval})
 * is answered. Either way it throws {@link RefreshQueueException} and the engine refreshes
 * synchronously (DESIGN.md S11, F5).
 *
 * <p>Consuming: a reader thread per queue blocks in {@code XREADGROUP} on a connection of its own and
 * hands each entry to a pool of {@link Builder#concurrency} threads. What becomes of an entry:
 * <ul>
 *   <li>acknowledged: {@code XACK} and {@code XDEL}, in one script;</li>
 *   <li>retried after a backoff: the task, with its attempt number plus one, goes into the delayed set
 *       scored by the epoch millisecond it is due (by the runtime's clock), and the entry is
 *       acknowledged, in one script, so it is neither lost nor doubled; every 100 ms a worker moves the
 *       due tasks back into the stream (one script: {@code ZRANGEBYSCORE}, {@code XADD} each,
 *       {@code ZREM});</li>
 *   <li>dead-lettered: {@code XADD <stream>:dead} with the {@code task}, a {@code reason} and the
 *       {@code attempt}, and the entry acknowledged, in one script.</li>
 * </ul>
 * A task's attempt number is the entry's {@code attempt} field (1 when absent). While a task runs, its
 * worker claims it again for itself every {@code claimIdle / 3} ({@code XCLAIM … JUSTID}, which
 * resets its idle time), so a refresh longer than {@link Builder#claimIdle} is never taken by another
 * worker and run twice. An entry whose consumer died (idle for {@code claimIdle}) is claimed by a live
 * worker and counts as a new attempt. After it (re)connects, a worker first reads its own pending
 * entries (ID {@code 0}) before new ones, and it does so again whenever settling an entry failed (the
 * connection dropped): so tasks whose acknowledgement or retry was lost while Redis was away are
 * redone at once, not after {@code claimIdle} (DESIGN.md F6). Connections are made again at most 2 s
 * apart.
 *
 * <p>Operators: {@link #state()} reports each {@linkplain #knownQueues() known queue}'s waiting, delayed,
 * pending and dead-lettered entries; {@link #deadLetters(int)} lists {@code <stream>:dead} and
 * {@link #requeue(String)} / {@link #requeueAll()} move dead letters back into the stream as first
 * attempts, each by one script, so a dead letter is re-queued once however many operators ask.
 *
 * <p>Task options honoured: {@code queue} and {@code expiration}; any other is refused when a job is
 * created, naming it.
 *
 * <p>Thread-safe. {@link #close()} stops taking tasks, stops reading, lets running refreshes finish
 * (within {@link Builder#shutdownTimeout}; unfinished ones stay pending and are claimed by another
 * worker), and closes its connections and threads.
 */
public final class RedisRefreshQueue implements RefreshQueue {

    static final String TASK_FIELD = "task";
    static final String ATTEMPT_FIELD = "attempt";
    static final String REASON_FIELD = "reason";
    static final String DEAD_SUFFIX = ":dead";
    static final String DELAYED_SUFFIX = ":delayed";
    private static final Set<TaskOptions.Option> HONOURED = EnumSet.of(TaskOptions.Option.QUEUE, TaskOptions.Option.EXPIRATION);

    private final String uri;
    private final boolean cluster;
    private final String streamPrefix;
    private final String defaultQueue;
    private final String group;
    private final String consumerName;
    private final boolean worker;
    private final int concurrency;
    private final List<String> queues;
    private final long maxLength;
    private final Duration claimIdle;
    private final Duration blockTime;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Duration shutdownTimeout;
    private final Duration probeInterval;
    private final boolean deferWorkerStart;
    private final String description;
    private final Set<String> groupsMade = ConcurrentHashMap.newKeySet();
    private volatile RedisConnector connector;
    private volatile QueueContext context;
    private volatile StreamWorker streamWorker;
    private volatile boolean closed;

    private RedisRefreshQueue(Builder b) {
        this.uri = b.uri;
        this.cluster = b.cluster != null && b.cluster;
        this.streamPrefix = b.streamPrefix != null ? b.streamPrefix : "cacheback:queue:";
        this.defaultQueue = b.defaultQueue != null ? b.defaultQueue : DEFAULT_QUEUE;
        this.group = b.group != null ? b.group : "cacheback";
        this.consumerName = b.consumerName != null ? b.consumerName : defaultConsumerName();
        this.worker = b.worker != null && b.worker;
        this.concurrency = b.concurrency != null ? b.concurrency : DEFAULT_CONCURRENCY;
        List<String> consumed = b.queues != null ? b.queues : List.of(this.defaultQueue);
        this.queues = List.copyOf(new LinkedHashSet<>(consumed));
        this.maxLength = b.maxLength != null ? b.maxLength : 100_000;
        this.claimIdle = b.claimIdle != null ? b.claimIdle : Duration.ofSeconds(30);
        this.blockTime = b.blockTime != null ? b.blockTime : Duration.ofSeconds(1);
        this.commandTimeout = b.commandTimeout != null ? b.commandTimeout : RedisCacheBackend.Builder.DEFAULT_COMMAND_TIMEOUT;
        this.connectTimeout = b.connectTimeout != null ? b.connectTimeout : RedisCacheBackend.Builder.DEFAULT_CONNECT_TIMEOUT;
        this.shutdownTimeout = b.shutdownTimeout != null ? b.shutdownTimeout : Duration.ofSeconds(30);
        this.probeInterval = b.probeInterval != null ? b.probeInterval : RedisCacheBackend.Builder.DEFAULT_PROBE_INTERVAL;
        this.deferWorkerStart = b.deferWorkerStart != null && b.deferWorkerStart;
        this.description = RedisConnector.describe(RedisConnector.parse(uri), cluster) + " streams " + streamPrefix + "*";
        if (!worker && (b.queues != null || b.concurrency != null || deferWorkerStart)) {
            throw new IllegalStateException((b.queues != null ? "queues(…)" : b.concurrency != null ? "concurrency(…)"
                    : "deferWorkerStart()") + " configures a worker, but this queue only produces: also call worker()");
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
        RedisConnector c = new RedisConnector(uri, cluster, commandTimeout, connectTimeout, context.clock(), probeInterval,
                "Redis refresh queue");
        connector = c;
        this.context = context;
        c.start(connectTimeout);
        if (worker) {
            StreamWorker w = new StreamWorker(this, c, context);
            streamWorker = w;
            if (!deferWorkerStart) {
                w.start();
            }
        }
    }

    /**
     * Starts consuming, for a queue built with {@link Builder#deferWorkerStart()} (called by
     * {@link dev.cacheback.Cacheback#startWorkers()} once the runtime's jobs are constructed, so that
     * tasks already waiting are not dead-lettered as unknown jobs). Starts the reader threads, which
     * connect (and keep trying) in the background. Does nothing for a queue that only produces, or
     * whose worker runs already.
     *
     * @throws IllegalStateException when the queue is not opened, or closed
     */
    @Override
    public synchronized void startWorker() {
        if (connector == null) {
            throw new IllegalStateException("The Redis refresh queue is not opened: build the Cacheback runtime first");
        }
        if (closed) {
            throw new IllegalStateException("The Redis refresh queue " + describe() + " is closed");
        }
        if (streamWorker != null) {
            streamWorker.start();
        }
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
            c.call(r -> {
                ensureGroup(r, stream);
                Map<byte[], byte[]> body = new LinkedHashMap<>();
                body.put(bytes(TASK_FIELD), task.toBytes());
                body.put(bytes("job"), bytes(task.jobName()));
                body.put(bytes("key"), bytes(task.key()));
                return r.xadd(bytes(stream), new XAddArgs().maxlen(maxLength).approximateTrimming(), body);
            });
            return true;
        } catch (RuntimeException e) {
            throw new RefreshQueueException("Unable to add the refresh task of job " + task.jobName()
                    + " key " + task.key() + " to stream " + stream + " on " + c.description() + ": " + e.getMessage(), e);
        }
    }

    /** Creates the stream and its consumer group once per stream and process; an existing group is fine. */
    void ensureGroup(RedisClusterCommands<byte[], byte[]> commands, String stream) {
        if (groupsMade.contains(stream)) {
            return;
        }
        try {
            commands.xgroupCreate(XReadArgs.StreamOffset.from(bytes(stream), "0"), bytes(group),
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

    /**
     * The stream that holds the tasks of {@code queue}: {@code streamPrefix + "{" + queue + "}"} (the
     * braces are a Redis Cluster hash tag: the stream, its delayed set and its dead-letter stream share
     * one slot, so one script can move a task between them).
     */
    public String streamKey(String queue) {
        return streamPrefix + "{" + Objects.requireNonNull(queue, "queue") + "}";
    }

    /** The dead-letter stream of {@code queue}: its stream key followed by {@code ":dead"}. */
    public String deadLetterStreamKey(String queue) {
        return streamKey(queue) + DEAD_SUFFIX;
    }

    /**
     * The sorted set of {@code queue}'s tasks waiting for their retry: its stream key followed by
     * {@code ":delayed"}, each member scored by the epoch millisecond it is due.
     */
    public String delayedSetKey(String queue) {
        return streamKey(queue) + DELAYED_SUFFIX;
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
        return worker ? queues : List.of();
    }

    // ------------------------------------------------------------------ fleet state

    /**
     * One round trip per queue: {@code XLEN} of the stream, {@code XPENDING} of the group, {@code ZCARD}
     * of the delayed set and {@code XLEN} of the dead-letter stream. KEYS: stream, delayed set, dead
     * stream. ARGV: group. A stream without the group (nothing enqueued yet) has no pending entries.
     */
    static final RedisConnector.Script STATE = RedisConnector.Script.of("""
            local len = redis.call('XLEN', KEYS[1])
            local pending = 0
            local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1])
            if ok and type(p) == 'table' then pending = p[1] end
            return {len, pending, redis.call('ZCARD', KEYS[2]), redis.call('XLEN', KEYS[3])}
            """);

    /**
     * Moves one dead letter back into the stream as a first attempt, if it is still there. KEYS: stream,
     * dead stream. ARGV: dead entry id, task, job, key, max length.
     */
    static final RedisConnector.Script REQUEUE = RedisConnector.Script.of("""
            if #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1]) == 0 then
                return 0
            end
            redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'task', ARGV[2], 'job', ARGV[3], 'key', ARGV[4])
            redis.call('XDEL', KEYS[2], ARGV[1])
            return 1
            """);

    /** The queues this queue reports on: its default queue, then those its worker consumes. */
    public List<String> knownQueues() {
        LinkedHashSet<String> known = new LinkedHashSet<>();
        known.add(defaultQueue);
        if (worker) {
            known.addAll(queues);
        }
        return List.copyOf(known);
    }

    /**
     * Per {@linkplain #knownQueues() known queue}: waiting = stream entries not pending; retrying = the
     * delayed set; in flight = the group's pending entries (every worker's, in every process); dead
     * letters = the dead-letter stream's length. One script per queue on the shared connection.
     *
     * @throws RefreshQueueException when Redis does not answer
     * @throws IllegalStateException when no runtime opened this queue
     */
    @Override
    public List<dev.cacheback.spi.QueueState> state() {
        RedisConnector c = requireOpened();
        List<dev.cacheback.spi.QueueState> states = new ArrayList<>();
        for (String q : knownQueues()) {
            byte[][] keys = {bytes(streamKey(q)), bytes(delayedSetKey(q)), bytes(deadLetterStreamKey(q))};
            List<Object> counts = redis(c, "read the state of queue " + q, r -> RedisConnector.eval(r, STATE,
                    io.lettuce.core.ScriptOutputType.MULTI, keys, bytes(group)));
            long length = number(counts.get(0));
            long pending = number(counts.get(1));
            states.add(new dev.cacheback.spi.QueueState(q, Math.max(0, length - pending), number(counts.get(2)), pending,
                    number(counts.get(3))));
        }
        return states;
    }

    /**
     * The first {@code limit} entries of each known queue's dead-letter stream, oldest first; ids are
     * {@code <queue>/<entry id>}.
     *
     * @throws RefreshQueueException when Redis does not answer
     */
    @Override
    public List<dev.cacheback.spi.DeadLetter> deadLetters(int limit) {
        RefreshQueue.requireLimit(limit);
        RedisConnector c = requireOpened();
        List<dev.cacheback.spi.DeadLetter> all = new ArrayList<>();
        for (String q : knownQueues()) {
            List<io.lettuce.core.StreamMessage<byte[], byte[]>> entries = redis(c, "list the dead letters of queue " + q,
                    r -> r.xrange(bytes(deadLetterStreamKey(q)), io.lettuce.core.Range.create("-", "+"),
                            io.lettuce.core.Limit.from(limit)));
            for (io.lettuce.core.StreamMessage<byte[], byte[]> entry : entries) {
                all.add(deadLetter(q, entry));
            }
        }
        return all.stream().sorted(java.util.Comparator.comparing(d -> d.deadAt() == null ? java.time.Instant.MIN : d.deadAt()))
                .limit(limit).toList();
    }

    private static dev.cacheback.spi.DeadLetter deadLetter(String queue, io.lettuce.core.StreamMessage<byte[], byte[]> entry) {
        Map<String, byte[]> fields = new java.util.HashMap<>();
        entry.getBody().forEach((k, v) -> fields.put(new String(k, StandardCharsets.UTF_8), v));
        String job = null;
        String key = null;
        byte[] raw = fields.get(TASK_FIELD);
        if (raw != null) {
            try {
                RefreshTask task = RefreshTask.fromBytes(raw);
                job = task.jobName();
                key = task.key();
            } catch (dev.cacheback.spi.MalformedTaskException e) {
                // listed with "?" for job and key
            }
        }
        int attempts = 1;
        try {
            attempts = Integer.parseInt(text(fields.get(ATTEMPT_FIELD), "1"));
        } catch (NumberFormatException e) {
            // an entry written by hand
        }
        java.time.Instant at;
        try {
            at = java.time.Instant.ofEpochMilli(Long.parseLong(text(fields.get("at"),
                    entry.getId().substring(0, entry.getId().indexOf('-')))));
        } catch (RuntimeException e) {
            at = null;
        }
        return new dev.cacheback.spi.DeadLetter(queue + "/" + entry.getId(), queue, job, key,
                text(fields.get(REASON_FIELD), ""), attempts, at);
    }

    /**
     * Moves the dead letter {@code <queue>/<entry id>} back into its queue's stream as a first attempt
     * (its task made anew by the runtime's clock, without a lease), in one script: it is re-queued once
     * even when two operators ask at once.
     *
     * @return whether it was there (and was moved)
     * @throws RefreshQueueException when Redis does not answer
     */
    @Override
    public boolean requeue(String id) {
        Objects.requireNonNull(id, "id");
        RedisConnector c = requireOpened();
        int slash = id.lastIndexOf('/');
        if (slash <= 0 || !knownQueues().contains(id.substring(0, slash))) {
            return false;
        }
        String q = id.substring(0, slash);
        String entryId = id.substring(slash + 1);
        List<io.lettuce.core.StreamMessage<byte[], byte[]>> found;
        try {
            found = redis(c, "read dead letter " + id, r -> r.xrange(bytes(deadLetterStreamKey(q)),
                    io.lettuce.core.Range.create(entryId, entryId)));
        } catch (RefreshQueueException e) {
            if (e.getCause() instanceof io.lettuce.core.RedisCommandExecutionException) {
                return false; // not an entry id Redis reads
            }
            throw e;
        }
        if (found.isEmpty()) {
            return false;
        }
        return moveBack(c, q, found.get(0));
    }

    /**
     * Re-queues every dead letter of every known queue held when the call starts, in batches of 100.
     *
     * @throws RefreshQueueException when Redis does not answer; those not yet moved stay dead letters
     */
    @Override
    public int requeueAll() {
        RedisConnector c = requireOpened();
        int moved = 0;
        for (String q : knownQueues()) {
            byte[] dead = bytes(deadLetterStreamKey(q));
            long held = redis(c, "count the dead letters of queue " + q, r -> r.xlen(dead));
            String after = "-";
            while (held > 0) {
                String from = after;
                int count = (int) Math.min(100, held);
                List<io.lettuce.core.StreamMessage<byte[], byte[]>> batch = redis(c, "list the dead letters of queue " + q,
                        r -> r.xrange(dead, from.equals("-") ? io.lettuce.core.Range.create("-", "+")
                                : io.lettuce.core.Range.from(io.lettuce.core.Range.Boundary.excluding(from),
                                        io.lettuce.core.Range.Boundary.including("+")),
                                io.lettuce.core.Limit.from(count)));
                if (batch.isEmpty()) {
                    break;
                }
                for (io.lettuce.core.StreamMessage<byte[], byte[]> entry : batch) {
                    if (moveBack(c, q, entry)) {
                        moved++;
                    }
                    after = entry.getId();
                    held--;
                }
            }
        }
        return moved;
    }

    private boolean moveBack(RedisConnector c, String q, io.lettuce.core.StreamMessage<byte[], byte[]> entry) {
        byte[] raw = null;
        for (Map.Entry<byte[], byte[]> field : entry.getBody().entrySet()) {
            if (TASK_FIELD.equals(new String(field.getKey(), StandardCharsets.UTF_8))) {
                raw = field.getValue();
            }
        }
        byte[] task = raw != null ? raw : new byte[0];
        String job = "?";
        String key = "?";
        try {
            RefreshTask renewed = RefreshTask.fromBytes(task).renewed(clock().instant());
            task = renewed.toBytes();
            job = renewed.jobName();
            key = renewed.key();
        } catch (dev.cacheback.spi.MalformedTaskException e) {
            // moved as it is: the worker dead-letters it again, with the reason
        }
        String stream = streamKey(q);
        byte[][] keys = {bytes(stream), bytes(deadLetterStreamKey(q))};
        byte[][] args = {bytes(entry.getId()), task, bytes(job), bytes(key), bytes(Long.toString(maxLength))};
        Long moved = redis(c, "re-queue dead letter " + q + "/" + entry.getId(), r -> {
            ensureGroup(r, stream);
            return RedisConnector.eval(r, REQUEUE, io.lettuce.core.ScriptOutputType.INTEGER, keys, args);
        });
        if (moved != null && moved == 1) {
            org.slf4j.LoggerFactory.getLogger("cacheback").info("Re-queued dead letter {}/{} into {}", q, entry.getId(), stream);
            return true;
        }
        return false;
    }

    private <T> T redis(RedisConnector c, String what, java.util.function.Function<RedisClusterCommands<byte[], byte[]>, T> command) {
        if (closed) {
            throw new RefreshQueueException("The Redis refresh queue " + describe() + " is closed");
        }
        try {
            return c.call(command);
        } catch (RuntimeException e) {
            throw new RefreshQueueException("Unable to " + what + " on " + c.description() + ": " + e.getMessage(), e);
        }
    }

    private RedisConnector requireOpened() {
        RedisConnector c = connector;
        if (c == null) {
            throw new IllegalStateException("The Redis queue is not opened: give it to Cacheback.builder().queue(…)");
        }
        return c;
    }

    private java.time.Clock clock() {
        QueueContext ctx = context;
        return ctx != null ? ctx.clock() : java.time.Clock.systemUTC();
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static String text(byte[] value, String absent) {
        return value == null ? absent : new String(value, StandardCharsets.UTF_8);
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
            w = streamWorker;
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

    String groupName() {
        return group;
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
        private Boolean worker;
        private Integer concurrency;
        private List<String> queues;
        private Long maxLength;
        private Duration claimIdle;
        private Duration blockTime;
        private Duration commandTimeout;
        private Duration connectTimeout;
        private Duration shutdownTimeout;
        private Duration probeInterval;
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

        /**
         * The queue of tasks whose job sets no {@code queue} task option, and the one a worker consumes
         * unless {@link #queues} names others. Default {@value RefreshQueue#DEFAULT_QUEUE}.
         */
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
         * Makes this queue a worker too: it consumes tasks in this process, starting when the runtime
         * opens it (see {@link #deferWorkerStart()}). Default: produce only.
         */
        public Builder worker() {
            RedisCacheBackend.requireUnset(this.worker, "worker");
            this.worker = true;
            return this;
        }

        /** Shorthand for {@code worker().concurrency(concurrency)}. */
        public Builder worker(int concurrency) {
            return worker().concurrency(concurrency);
        }

        /**
         * How many tasks this process's worker runs at once, at least 1. Default
         * {@value RefreshQueue#DEFAULT_CONCURRENCY}. Requires {@link #worker()}.
         */
        public Builder concurrency(int concurrency) {
            RedisCacheBackend.requireUnset(this.concurrency, "concurrency");
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, not " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** The queues the worker consumes. Default: the default queue. Requires {@link #worker()}. */
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
         * How long a task taken by a worker may go without a heartbeat before another worker claims it
         * (its consumer died): a running task's worker claims it for itself every third of this, so a
         * refresh longer than this is not run twice. Failed refreshes do not wait for it: they are
         * retried after the runtime's backoff. Default 30 seconds.
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

        /**
         * After a command on the shared connection timed out or the connection failed, how long
         * commands (enqueues, acknowledgements) fail at once before one is let through as a probe.
         * Default 1 second.
         */
        public Builder probeInterval(Duration interval) {
            RedisCacheBackend.requireUnset(probeInterval, "probeInterval");
            this.probeInterval = RedisCacheBackend.requirePositive(interval, "probeInterval");
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
         * is called ({@link dev.cacheback.Cacheback#startWorkers()} does): for applications that construct
         * their jobs after building the runtime. Requires {@link #worker()}.
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
         * @throws IllegalStateException when queues(…), concurrency(…) or deferWorkerStart() is set without worker()
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

package dev.cacheback.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;

import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link RefreshQueue} on RabbitMQ: the role Celery on RabbitMQ plays for the seed. Web processes
 * publish refresh tasks; worker processes (or this process, with {@link Builder#consume}) run them.
 * <pre>{@code
 * // web side: publishes only
 * RefreshQueue queue = RabbitRefreshQueue.builder("amqp://user:pass@mq:5672/").build();
 * // worker side (or: java -cp app.jar dev.cacheback.rabbitmq.RabbitWorkerMain --uri … --queues cacheback)
 * RefreshQueue worker = RabbitRefreshQueue.builder("amqp://user:pass@mq:5672/")
 *         .consume("cacheback").concurrency(4).build();
 * }</pre>
 *
 * <h2>Publishing (DESIGN.md F5)</h2>
 * {@link #enqueue} never waits for the broker: it checks the queue's state, encodes the task and hands
 * it to the queue's one publishing thread, which publishes a persistent message to the task's queue
 * (the {@code queue} task option, else {@link Builder#defaultQueue}) and tracks the broker's publisher
 * confirm asynchronously. It throws {@link RefreshQueueException} at once, and the job refreshes
 * synchronously instead (DESIGN.md S11), when the queue is closed, not connected (never connected, or
 * reconnecting every {@link Builder#reconnectInterval}), blocked by a broker alarm, failing fast after a
 * timeout (below), or holding {@link Builder#maxUnconfirmed} tasks not yet confirmed. A task that is
 * taken but then nacked, returned as unroutable, not confirmed within {@link Builder#publishTimeout},
 * or left unconfirmed by a lost connection is logged (at most one line per 10 s) and counted, and is
 * not refreshed by this enqueue: the key's lease expires after the job's {@code refreshTimeout} and
 * the next stale read enqueues again. A confirm timeout, or the publishing thread stuck in one publish
 * for a publish timeout (a broker that hangs with its connection open), opens a breaker: enqueues fail
 * fast, one probe per {@link Builder#probeInterval} goes through, and the first confirm closes it. So a
 * broker that hangs never holds a caller: an enqueue does no I/O in the caller's thread.
 *
 * <h2>Queues</h2>
 * Every work queue is declared durable with {@code x-max-priority} 10, beside a dead-letter queue
 * {@code <queue>.dead}. A queue that already exists with other arguments is refused by the broker
 * ({@code PRECONDITION_FAILED}): delete it or use another name. Task options honoured:
 * <ul>
 *   <li>{@code queue}: the work queue's name (at most 200 bytes, not starting with {@code amq.});</li>
 *   <li>{@code priority}: 0 to 10, higher runs first among waiting tasks;</li>
 *   <li>{@code expiration}: a per-message TTL (the broker discards the task unrun when it passes,
 *       and the worker drops a task past it by the runtime's clock);</li>
 *   <li>{@code delay}: the task waits in {@code <queue>.delay.<millis>}, a queue with that message
 *       TTL that dead-letters into the work queue when it passes. A delayed task gets no broker TTL;
 *       its expiration (which must exceed the delay) is checked by the worker.</li>
 * </ul>
 * Any other option is refused by {@link #validate} when the job is created.
 *
 * <h2>Working (DESIGN.md F3, F6)</h2>
 * With {@link Builder#consume}, the queue consumes the named queues on its own connection, on
 * {@link Builder#concurrency} channels each holding at most {@link Builder#prefetch} unacknowledged
 * tasks, and hands each delivery to the runtime's {@link dev.cacheback.WorkerEngine}, which decides by
 * the runtime's {@link dev.cacheback.RetryPolicy}: acknowledge; retry after a backoff (the task waits
 * in {@code <queue>.retry.<ms>}, whose TTL is the backoff rounded up to keep its three highest bits,
 * so never shorter and under 25 % longer, then returns to the work queue with its attempt in the
 * {@code x-cacheback-attempts} header; idle retry queues are deleted by the broker a minute after
 * their TTL); or dead-letter to {@code <queue>.dead} with the reason in the {@code x-cacheback-reason}
 * header. A task whose worker died or lost its connection before acknowledging it is delivered again
 * as the same attempt. A lost connection is recovered (channels, consumers, declarations) every
 * {@link Builder#reconnectInterval}; tasks that were running then are delivered again, so a task may
 * run twice, its store fenced by the entry's version. {@link #close()} cancels the consumers, lets
 * running tasks finish (up to {@link Builder#shutdownTimeout}) and closes the channels, which returns
 * every task not acknowledged to its queue. RabbitMQ closes a channel holding a delivery longer than
 * its {@code consumer_timeout} (30 min by default): a refresh must take less.
 *
 * <h2>Operating</h2>
 * {@link #state()} reports the default and consumed queues' ready and dead-lettered messages (passive
 * declarations) and this process's running deliveries; {@link #deadLetters(int)} reads
 * {@code <queue>.dead} without acknowledging (the messages stay, in order); {@link #requeue(String)} and
 * {@link #requeueAll()} publish each task anew to its work queue and acknowledge the dead copy once the
 * broker confirmed the new one. Each uses a short-lived connection of its own.
 *
 * <p>Thread-safe. Owns its connections and threads (daemon threads: a publishing thread, the
 * client's connection threads, and for a worker {@code concurrency} consumer threads and a
 * supervisor); {@link #close()} releases them. Uses the runtime's scheduler for its confirm-timeout
 * check, and the runtime's clock for task timestamps, dead-letter times and the breaker's probe
 * interval; the waits (publish timeout, reconnect interval, shutdown timeout) are real elapsed time,
 * as socket timeouts are, so that a test clock moved forward does not fake a timeout.
 */
public final class RabbitRefreshQueue implements RefreshQueue {

    private static final Set<TaskOptions.Option> HONOURED = EnumSet.allOf(TaskOptions.Option.class);
    private static final long MAX_TTL_MILLIS = Topology.MAX_TTL_MILLIS;

    private final Config config;
    private final boolean deferWorkerStart;
    private QueueContext context;
    /** Set once opened; read without a lock by {@link #enqueue}. */
    private volatile Publisher publisher;
    private Worker worker;
    private boolean workerStarted;
    private volatile boolean closed;

    private RabbitRefreshQueue(Config config, boolean deferWorkerStart) {
        this.config = config;
        this.deferWorkerStart = deferWorkerStart;
    }

    /**
     * A builder for a queue on the broker at {@code uri}: {@code amqp://user:password@host:port/vhost}
     * or {@code amqps://…} (TLS, verifying the server's certificate and host name with the JVM's
     * default trust store unless {@link Builder#sslContext} says otherwise). Omitted parts take the
     * client's defaults: {@code guest:guest@localhost:5672/}.
     *
     * @throws IllegalArgumentException when {@code uri} is not such a URI (the message never shows its password)
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    @Override
    public synchronized void open(QueueContext context) {
        if (this.context != null) {
            throw new IllegalStateException("This RabbitMQ refresh queue is already opened by a runtime; build one per runtime");
        }
        if (closed) {
            throw new IllegalStateException("This RabbitMQ refresh queue is closed");
        }
        this.context = Objects.requireNonNull(context, "context");
        Publisher created = new Publisher(config, context);
        created.start();
        this.publisher = created;
        if (config.worker()) {
            worker = new Worker(config, context);
            if (!deferWorkerStart) {
                workerStarted = true;
                worker.start();
            }
        }
    }

    /**
     * Starts consuming, for a queue built with {@link Builder#deferWorkerStart()} (called by
     * {@link dev.cacheback.Cacheback#startWorkers()} once the runtime's jobs are constructed, so that
     * tasks already waiting are not dead-lettered as unknown jobs). Tries to connect in the calling
     * thread (bounded by the connect timeout), then keeps trying every reconnect interval in the
     * background. Does nothing when the queue does not consume or already does. Idempotent.
     *
     * @throws IllegalStateException when the queue is not opened by a runtime, or closed
     */
    @Override
    public synchronized void startWorker() {
        if (context == null) {
            throw new IllegalStateException("The RabbitMQ refresh queue is not opened: build the Cacheback runtime first");
        }
        if (closed) {
            throw new IllegalStateException("This RabbitMQ refresh queue is closed");
        }
        if (worker == null || workerStarted) {
            return;
        }
        workerStarted = true;
        worker.start();
    }

    /** The settings this queue was built with. */
    Config config() {
        return config;
    }

    /** Waits until the worker consumes on every channel; false after {@code timeout} or when not a worker. */
    boolean awaitConsuming(Duration timeout) throws InterruptedException {
        Worker w;
        synchronized (this) {
            w = worker;
        }
        return w != null && w.awaitConsuming(timeout);
    }

    /** Whether the publishing connection is open now. */
    boolean isPublisherConnected() {
        Publisher p;
        synchronized (this) {
            p = publisher;
        }
        return p != null && p.isConnected();
    }

    /** What became of the tasks this queue published so far (for tests and diagnostics). */
    Publisher.Counts publishCounts() {
        Publisher p;
        synchronized (this) {
            p = publisher;
        }
        return p == null ? new Publisher.Counts(0, 0, 0, 0, 0, 0, 0) : p.counts();
    }

    /** Whether enqueues are failing fast after a timeout. */
    boolean isFailingFast() {
        Publisher p;
        synchronized (this) {
            p = publisher;
        }
        return p != null && p.breaker().isOpen();
    }

    /**
     * Hands the task to the publishing thread and returns without waiting for the broker: no I/O in
     * the caller's thread.
     *
     * @return {@code true}: this queue never drops a task on purpose (the key's lease prevents duplicates)
     * @throws RefreshQueueException at once when the queue cannot take the task: closed, not connected,
     *     blocked by the broker, failing fast after a publish timeout, or {@code maxUnconfirmed} tasks
     *     not yet confirmed
     * @throws IllegalStateException when the queue is not opened by a runtime
     */
    @Override
    public boolean enqueue(RefreshTask task) {
        Objects.requireNonNull(task, "task");
        Publisher p = publisher;
        if (p == null) {
            throw new IllegalStateException("The RabbitMQ refresh queue is not opened: give it to Cacheback.builder().queue(…)");
        }
        if (closed) {
            throw new RefreshQueueException("The RabbitMQ refresh queue (" + config.description() + ") is closed");
        }
        String queue = task.options().queue() != null ? task.options().queue() : config.defaultQueue();
        p.publish(queue, task);
        return true;
    }

    /**
     * Accepts {@code queue}, {@code priority} (0 to 10), {@code delay} (under 49 days) and
     * {@code expiration} (longer than the delay, if both are set).
     *
     * @throws IllegalArgumentException naming what is wrong and how to fix it
     */
    @Override
    public void validate(TaskOptions options) {
        options.requireOnly("The RabbitMQ refresh queue", HONOURED);
        if (options.queue() != null) {
            Topology.requireQueueName(options.queue(), "Task option 'queue'");
        }
        Integer priority = options.priority();
        if (priority != null && (priority < 0 || priority > Topology.MAX_PRIORITY)) {
            throw new IllegalArgumentException("Task option 'priority' must be between 0 and " + Topology.MAX_PRIORITY
                    + " for the RabbitMQ refresh queue (work queues are declared with x-max-priority "
                    + Topology.MAX_PRIORITY + "), not " + priority);
        }
        if (options.delay() != null && options.delay().toMillis() > MAX_TTL_MILLIS) {
            throw new IllegalArgumentException("Task option 'delay' must be under " + MAX_TTL_MILLIS
                    + " ms (RabbitMQ's largest message TTL), not " + options.delay());
        }
        if (options.expiration() != null && options.expiration().toMillis() > MAX_TTL_MILLIS) {
            throw new IllegalArgumentException("Task option 'expiration' must be under " + MAX_TTL_MILLIS
                    + " ms (RabbitMQ's largest message TTL), not " + options.expiration());
        }
        if (options.delay() != null && options.expiration() != null
                && options.expiration().compareTo(options.delay()) <= 0) {
            throw new IllegalArgumentException("Task option 'expiration' (" + options.expiration()
                    + ") must be longer than 'delay' (" + options.delay() + "): every task would expire before it may run");
        }
    }

    /** Such as {@code rabbitmq amqp://mq:5672/ (queue cacheback)}; never credentials. */
    @Override
    public String describe() {
        return "rabbitmq " + config.description() + " (queue " + config.defaultQueue()
                + (config.worker() ? ", consuming " + String.join(", ", config.consumeQueues()) : "") + ")";
    }

    /**
     * Stops the worker (running tasks finish within the shutdown timeout; tasks not acknowledged
     * return to the broker), then the publisher (tasks handed to it are published and confirmed within
     * the publish timeout), and closes the connections. Later enqueues throw
     * {@link RefreshQueueException}. Idempotent.
     */
    @Override
    public void close() {
        Worker w;
        Publisher p;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            w = worker;
            p = publisher;
        }
        if (w != null) {
            w.close();
        }
        if (p != null) {
            p.close();
        }
    }

    // ------------------------------------------------------------------ fleet state

    /** The queues this queue reports on: its default queue, then those it consumes. */
    List<String> knownQueues() {
        LinkedHashSet<String> known = new LinkedHashSet<>();
        known.add(config.defaultQueue());
        known.addAll(config.consumeQueues());
        return List.copyOf(known);
    }

    private DeadLetterAdmin admin() {
        QueueContext ctx;
        synchronized (this) {
            ctx = context;
        }
        if (ctx == null) {
            throw new IllegalStateException("The RabbitMQ refresh queue is not opened: give it to Cacheback.builder().queue(…)");
        }
        if (closed) {
            throw new RefreshQueueException("The RabbitMQ refresh queue (" + config.description() + ") is closed");
        }
        return new DeadLetterAdmin(config, ctx.clock());
    }

    /**
     * Per known queue (the default queue, then those consumed), by passive declarations on a short-lived
     * connection: waiting = the work queue's ready messages; dead letters = {@code <queue>.dead}'s;
     * in flight = the deliveries this process's worker is running (RabbitMQ does not report unacknowledged
     * messages through AMQP); retrying = {@link dev.cacheback.spi.QueueState#UNKNOWN} (retries wait in per-backoff queues).
     *
     * @throws RefreshQueueException when the broker does not answer within the connect and publish timeouts
     */
    @Override
    public List<dev.cacheback.spi.QueueState> state() {
        DeadLetterAdmin admin = admin();
        Worker w;
        synchronized (this) {
            w = worker;
        }
        return admin.state(knownQueues(), w == null ? 0 : w.running());
    }

    /**
     * The first {@code limit} messages of each known queue's {@code <queue>.dead}, read with
     * {@code basic.get} and returned unacknowledged (in their order) when the call ends; ids are
     * {@code <queue>/<message id>}.
     *
     * @throws RefreshQueueException when the broker does not answer
     */
    @Override
    public List<dev.cacheback.spi.DeadLetter> deadLetters(int limit) {
        RefreshQueue.requireLimit(limit);
        return admin().list(knownQueues(), limit);
    }

    /**
     * Publishes the dead letter's task anew (made now, without a lease) to its work queue and, once the
     * broker confirms it, acknowledges the dead copy. Reads {@code <queue>.dead} from its head to find it.
     *
     * @return whether a dead letter had that id
     * @throws RefreshQueueException when the broker does not answer; the dead letter is then kept
     */
    @Override
    public boolean requeue(String id) {
        Objects.requireNonNull(id, "id");
        int slash = id.lastIndexOf('/');
        if (slash <= 0 || !knownQueues().contains(id.substring(0, slash))) {
            return false;
        }
        return admin().requeue(id.substring(0, slash), id.substring(slash + 1));
    }

    /** Re-queues every message held in each known queue's {@code <queue>.dead} when the call starts. */
    @Override
    public int requeueAll() {
        return admin().requeueAll(knownQueues());
    }

    @Override
    public String toString() {
        return "RabbitRefreshQueue[" + describe() + "]";
    }

    /**
     * {@code uri} with its password removed, for messages: everything between {@code ://} and the last
     * {@code @} is the user information, of which only the user name (up to the first {@code :}) is
     * kept. Never fails, and never shows a password, however malformed the URI.
     */
    static String redact(String uri) {
        if (uri == null) {
            return null;
        }
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return uri;
        }
        String userInfo = uri.substring(scheme + 3, at);
        int colon = userInfo.indexOf(':');
        String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
        return uri.substring(0, scheme + 3) + user + uri.substring(at);
    }

    /**
     * Builds a {@link RabbitRefreshQueue}. {@link #build()} copies what it was given; setting an option
     * twice is an error. Not thread-safe.
     */
    public static final class Builder {
        private final String uri;
        private String defaultQueue;
        private List<String> consume;
        private Integer concurrency;
        private Integer prefetch;
        private Integer maxUnconfirmed;
        private Duration publishTimeout;
        private Duration connectTimeout;
        private Duration reconnectInterval;
        private Duration probeInterval;
        private Duration shutdownTimeout;
        private SSLContext sslContext;
        private boolean deferWorkerStart;

        private Builder(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /**
         * The queue for tasks whose job sets no {@code queue} task option. Default
         * {@value RefreshQueue#DEFAULT_QUEUE}.
         */
        public Builder defaultQueue(String queue) {
            requireUnset(defaultQueue, "defaultQueue");
            this.defaultQueue = Topology.requireQueueName(queue, "defaultQueue");
            return this;
        }

        /**
         * Makes this queue a worker that consumes {@code queues} in this process, starting when the
         * runtime opens it (see {@link #deferWorkerStart()}). Default: publish only.
         */
        public Builder consume(String... queues) {
            requireUnset(consume, "consume");
            if (queues.length == 0) {
                throw new IllegalArgumentException("consume needs at least one queue name, such as consume(\"cacheback\")");
            }
            Set<String> names = new LinkedHashSet<>();
            for (String q : queues) {
                names.add(Topology.requireQueueName(q, "consume queue"));
            }
            this.consume = List.copyOf(names);
            return this;
        }

        /**
         * Consumer channels, hence tasks run at once, in this worker: 1 to 256. Default
         * {@value RefreshQueue#DEFAULT_CONCURRENCY}. Needs {@link #consume}.
         */
        public Builder concurrency(int concurrency) {
            requireUnset(this.concurrency, "concurrency");
            this.concurrency = requireRange(concurrency, 1, 256, "concurrency");
            return this;
        }

        /**
         * Tasks each consumer holds unacknowledged (RabbitMQ's prefetch, {@code basicQos}): 1 to 65,535.
         * Default 1, which spreads tasks fairly and, when a worker dies, returns only the task it was
         * running. Needs {@link #consume}.
         */
        public Builder prefetch(int prefetch) {
            requireUnset(this.prefetch, "prefetch");
            this.prefetch = requireRange(prefetch, 1, 65_535, "prefetch");
            return this;
        }

        /**
         * The most tasks taken by {@link RabbitRefreshQueue#enqueue} and not yet confirmed by the broker:
         * past it, enqueue throws at once and the job refreshes synchronously. 1 to 1,000,000. Default 1,000.
         */
        public Builder maxUnconfirmed(int maxUnconfirmed) {
            requireUnset(this.maxUnconfirmed, "maxUnconfirmed");
            this.maxUnconfirmed = requireRange(maxUnconfirmed, 1, 1_000_000, "maxUnconfirmed");
            return this;
        }

        /**
         * How long a published task may wait for the broker's confirm, and the publishing thread may
         * be stuck in one publish, before it counts as a timeout: the task is logged and counted as
         * unconfirmed, and enqueues fail fast (the job refreshes synchronously) until a probe is
         * confirmed. Also bounds the worker's wait for the confirm of a retried or dead-lettered copy,
         * and every channel RPC of the publisher. Default 2 s. Never a caller's wait.
         */
        public Builder publishTimeout(Duration timeout) {
            requireUnset(publishTimeout, "publishTimeout");
            this.publishTimeout = requirePositive(timeout, "publishTimeout");
            return this;
        }

        /**
         * How long one connection attempt may take: the TCP connect, then again the AMQP handshake.
         * Default 2 s. The runtime's {@code build()} waits for one attempt of the publisher, and
         * {@link RabbitRefreshQueue#startWorker()} for one of the worker.
         */
        public Builder connectTimeout(Duration timeout) {
            requireUnset(connectTimeout, "connectTimeout");
            this.connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /**
         * The pause between connection attempts after a connection failed or was lost, for the publisher
         * and the worker (the client's automatic recovery): positive, at most 2 s (DESIGN.md F6).
         * Default 1 s.
         */
        public Builder reconnectInterval(Duration interval) {
            requireUnset(reconnectInterval, "reconnectInterval");
            this.reconnectInterval = requirePositive(interval, "reconnectInterval");
            if (interval.compareTo(Duration.ofSeconds(2)) > 0) {
                throw new IllegalArgumentException("reconnectInterval must be at most 2 s (so tasks waiting at a broker "
                        + "restart are taken up again soon), not " + interval);
            }
            return this;
        }

        /**
         * After a publish timeout, how long enqueues fail fast before one goes through as a probe.
         * Default 1 s.
         */
        public Builder probeInterval(Duration interval) {
            requireUnset(probeInterval, "probeInterval");
            this.probeInterval = requirePositive(interval, "probeInterval");
            return this;
        }

        /** How long {@link RabbitRefreshQueue#close()} waits for running tasks. Default 30 s. Needs {@link #consume}. */
        public Builder shutdownTimeout(Duration timeout) {
            requireUnset(shutdownTimeout, "shutdownTimeout");
            this.shutdownTimeout = requirePositive(timeout, "shutdownTimeout");
            return this;
        }

        /** The TLS context for an {@code amqps://} URI. Default: the JVM's default, with host name verification. */
        public Builder sslContext(SSLContext context) {
            requireUnset(sslContext, "sslContext");
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * Does not consume when the runtime opens the queue, but when {@link RabbitRefreshQueue#startWorker()}
         * is called ({@link dev.cacheback.Cacheback#startWorkers()}): for applications that construct their
         * jobs after building the runtime. Needs {@link #consume}.
         */
        public Builder deferWorkerStart() {
            if (deferWorkerStart) {
                throw new IllegalStateException("deferWorkerStart was already set");
            }
            this.deferWorkerStart = true;
            return this;
        }

        /**
         * Builds the queue. It connects when a runtime opens it.
         *
         * @throws IllegalArgumentException when the URI is not an {@code amqp://} or {@code amqps://} URI
         *     (the message never shows its password)
         * @throws IllegalStateException when a worker option is set without {@link #consume}, or
         *     {@link #sslContext} without {@code amqps://}
         */
        public RabbitRefreshQueue build() {
            AmqpAddress address = AmqpAddress.of(uri, sslContext, "The RabbitMQ refresh queue");
            if (consume == null) {
                List<String> workerOnly = new ArrayList<>();
                if (concurrency != null) {
                    workerOnly.add("concurrency");
                }
                if (prefetch != null) {
                    workerOnly.add("prefetch");
                }
                if (shutdownTimeout != null) {
                    workerOnly.add("shutdownTimeout");
                }
                if (deferWorkerStart) {
                    workerOnly.add("deferWorkerStart");
                }
                if (!workerOnly.isEmpty()) {
                    throw new IllegalStateException(String.join(", ", workerOnly)
                            + " configure(s) a worker, but this queue does not consume: add consume(\"queue\", …)");
                }
            }
            ConnectionFactory factory = address.factory();
            String description = address.description();
            Config config = new Config(factory, description,
                    defaultQueue != null ? defaultQueue : RefreshQueue.DEFAULT_QUEUE,
                    consume != null ? consume : List.of(),
                    concurrency != null ? concurrency : RefreshQueue.DEFAULT_CONCURRENCY,
                    prefetch != null ? prefetch : 1,
                    maxUnconfirmed != null ? maxUnconfirmed : 1_000,
                    publishTimeout != null ? publishTimeout : Duration.ofSeconds(2),
                    connectTimeout != null ? connectTimeout : Duration.ofSeconds(2),
                    reconnectInterval != null ? reconnectInterval : Duration.ofSeconds(1),
                    probeInterval != null ? probeInterval : Duration.ofSeconds(1),
                    shutdownTimeout != null ? shutdownTimeout : Duration.ofSeconds(30));
            return new RabbitRefreshQueue(config, deferWorkerStart);
        }

        private static void requireUnset(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }

        private static int requireRange(int value, int min, int max, String name) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + value);
            }
            return value;
        }

        private static Duration requirePositive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, not " + d);
            }
            return d;
        }
    }

    /**
     * Checks that the broker answers and accepts this queue's credentials and virtual host: opens a
     * short-lived connection and channel of its own (never the publishing connection, so a ping
     * neither waits for nor disturbs publishing) and declares the default queue passively. The
     * connection attempt is bounded by the connection timeout (the handshake by twice it, at least
     * 2 s), the declaration by the publish timeout. A default queue that does not exist yet counts as
     * an answer: the first enqueue declares it. Thread-safe.
     *
     * @throws RefreshQueueException when the broker is unreachable, refuses the credentials or the
     *     virtual host, does not answer in time, or this queue is closed
     */
    @Override
    public void ping() {
        if (closed) {
            throw new RefreshQueueException("The RabbitMQ refresh queue (" + config.description() + ") is closed");
        }
        ConnectionFactory factory = config.newFactory(config.publishTimeout(), false);
        com.rabbitmq.client.Connection connection = null;
        try {
            connection = factory.newConnection("cacheback-ping");
            com.rabbitmq.client.Channel channel = connection.createChannel();
            if (channel == null) {
                throw new RefreshQueueException("RabbitMQ at " + config.description() + " has no channel left for a ping");
            }
            try {
                channel.queueDeclarePassive(config.defaultQueue());
            } catch (java.io.IOException e) {
                if (!(e.getCause() instanceof com.rabbitmq.client.ShutdownSignalException s
                        && s.getReason() instanceof com.rabbitmq.client.AMQP.Channel.Close close
                        && close.getReplyCode() == com.rabbitmq.client.AMQP.NOT_FOUND)) {
                    throw e;
                }
                // the broker answered: the queue is declared by the first enqueue
            }
        } catch (java.io.IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            if (e instanceof RefreshQueueException r) {
                throw r;
            }
            throw new RefreshQueueException("RabbitMQ at " + config.description() + " did not answer a ping (a passive "
                    + "declaration of queue " + config.defaultQueue() + "): " + pingFailure(e), e);
        } finally {
            if (connection != null) {
                connection.abort(Config.millis(config.connectTimeout()));   // bounded, never throws
            }
        }
    }

    private static String pingFailure(Throwable e) {
        Throwable cause = e.getCause() instanceof com.rabbitmq.client.ShutdownSignalException s ? s : e;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}

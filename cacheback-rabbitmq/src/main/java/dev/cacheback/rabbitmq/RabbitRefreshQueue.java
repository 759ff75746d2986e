package dev.cacheback.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
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
 * <h2>Publishing</h2>
 * {@link #enqueue} publishes a persistent message to the task's queue (the {@code queue} task
 * option, else {@link Builder#defaultQueue}) and returns only once the broker confirmed it
 * (publisher confirms, waiting at most {@link Builder#confirmTimeout}). When it cannot (the broker is
 * unreachable, the connection is recovering, the broker blocks publishers, the publish is nacked,
 * returned or not confirmed in time) it throws {@link RefreshQueueException}, and the job refreshes
 * synchronously instead (DESIGN.md S11). Publishing channels come from a small pool, each used by
 * one thread at a time. The connection is made when the runtime opens the queue (or, if that fails,
 * by the first enqueue after each {@linkplain Builder#retryInterval retry interval}) and is then
 * recovered automatically.
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
 * <h2>Working</h2>
 * With {@link Builder#consume}, the queue consumes the named queues on its own connection, on
 * {@link Builder#concurrency} channels each holding at most {@link Builder#prefetch} unacknowledged
 * tasks. A task is acknowledged after its refresh finished. A failing refresh is retried (put back at
 * the end of the queue with its attempt count in the {@code x-cacheback-attempts} header) until
 * {@link Builder#maxAttempts} deliveries; a delivery the broker marks as redelivered (its worker died
 * holding it) counts as an attempt. Past the bound, and at once for an unknown job, unreadable
 * arguments or bytes that are no task, the task goes to {@code <queue>.dead} with the reason in the
 * {@code x-cacheback-reason} header; the worker carries on. Expired tasks are acknowledged and dropped.
 * {@link #close()} cancels the consumers, lets running tasks finish (up to
 * {@link Builder#shutdownTimeout}) and closes the channels, which returns every task not
 * acknowledged to its queue.
 *
 * <p>Thread-safe. Owns its connections and threads (daemon threads); {@link #close()} releases them.
 */
public final class RabbitRefreshQueue implements RefreshQueue {

    private static final Set<TaskOptions.Option> HONOURED = EnumSet.allOf(TaskOptions.Option.class);
    /** Message TTLs are unsigned 32-bit milliseconds in RabbitMQ. */
    private static final long MAX_TTL_MILLIS = 0xFFFF_FFFFL;

    private final Config config;
    private final boolean deferWorkerStart;
    private QueueContext context;
    private Publisher publisher;
    private Worker worker;
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
        this.publisher = new Publisher(config);
        publisher.tryConnect();
        if (config.worker()) {
            worker = new Worker(config, context);
            if (!deferWorkerStart) {
                worker.start();
            }
        }
    }

    /**
     * Starts consuming, for a queue built with {@link Builder#deferWorkerStart()}: call it once the
     * runtime's jobs are constructed, so that tasks already waiting are not dead-lettered as unknown
     * jobs. Tries to connect in the calling thread (bounded by the connection timeout), then keeps
     * trying in the background.
     *
     * @throws IllegalStateException when the queue is not opened, not a worker, closed, or already started
     */
    public synchronized void startWorker() {
        if (context == null) {
            throw new IllegalStateException("The RabbitMQ refresh queue is not opened: build the Cacheback runtime first");
        }
        if (worker == null) {
            throw new IllegalStateException("This RabbitMQ refresh queue does not consume: build it with consume(…)");
        }
        if (closed) {
            throw new IllegalStateException("This RabbitMQ refresh queue is closed");
        }
        worker.start();
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

    /**
     * Publishes the task and waits for the broker's confirm.
     *
     * @return {@code true}: this queue never drops a task on purpose (the key's lease prevents duplicates)
     * @throws RefreshQueueException when the task was not confirmed: closed, unreachable, recovering,
     *     blocked, nacked, unroutable, or not confirmed within the confirm timeout
     * @throws IllegalStateException when the queue is not opened by a runtime
     */
    @Override
    public boolean enqueue(RefreshTask task) {
        Objects.requireNonNull(task, "task");
        Publisher p;
        QueueContext ctx;
        synchronized (this) {
            p = publisher;
            ctx = context;
        }
        if (ctx == null) {
            throw new IllegalStateException("The RabbitMQ refresh queue is not opened: give it to Cacheback.builder().queue(…)");
        }
        if (closed) {
            throw new RefreshQueueException("The RabbitMQ refresh queue (" + config.description() + ") is closed");
        }
        String queue = task.options().queue() != null ? task.options().queue() : config.defaultQueue();
        p.publish(queue, task, ctx.clock());
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
     * return to the broker), then closes the publishing connection. Later enqueues throw
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

    @Override
    public String toString() {
        return "RabbitRefreshQueue[" + describe() + "]";
    }

    /**
     * {@code uri} with its password removed, for messages. Never fails: an unparseable URI is not shown.
     */
    static String redact(String uri) {
        try {
            URI u = new URI(uri);
            String userInfo = u.getRawUserInfo();
            if (userInfo == null) {
                return uri;
            }
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString()
                    .replaceFirst("://", "://" + user + "@");
        } catch (URISyntaxException | RuntimeException e) {
            return "(an unparseable URI)";
        }
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
        private Integer maxAttempts;
        private Integer publisherChannels;
        private Duration confirmTimeout;
        private Duration connectionTimeout;
        private Duration retryInterval;
        private Duration shutdownTimeout;
        private SSLContext sslContext;
        private boolean deferWorkerStart;

        private Builder(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /** The queue for tasks whose job sets no {@code queue} task option. Default {@code "cacheback"}. */
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

        /** Consumer channels, hence tasks run at once, in this worker. Default 1. Needs {@link #consume}. */
        public Builder concurrency(int concurrency) {
            requireUnset(this.concurrency, "concurrency");
            this.concurrency = requireRange(concurrency, 1, 256, "concurrency");
            return this;
        }

        /**
         * Tasks each consumer holds unacknowledged (RabbitMQ's prefetch, {@code basicQos}). Default 1,
         * which spreads tasks fairly and, when a worker dies, marks only the task it was running as
         * redelivered. Needs {@link #consume}.
         */
        public Builder prefetch(int prefetch) {
            requireUnset(this.prefetch, "prefetch");
            this.prefetch = requireRange(prefetch, 1, 65_535, "prefetch");
            return this;
        }

        /**
         * Deliveries of one task before it is dead-lettered: a failing refresh, or a worker that died
         * holding it, counts as one. Default 3. Needs {@link #consume}.
         */
        public Builder maxAttempts(int maxAttempts) {
            requireUnset(this.maxAttempts, "maxAttempts");
            this.maxAttempts = requireRange(maxAttempts, 1, 1000, "maxAttempts");
            return this;
        }

        /** Publishing channels, hence enqueues waiting for a confirm at once. Default 4. */
        public Builder publisherChannels(int channels) {
            requireUnset(this.publisherChannels, "publisherChannels");
            this.publisherChannels = requireRange(channels, 1, 256, "publisherChannels");
            return this;
        }

        /**
         * How long an enqueue waits for the broker's confirm (and for a free publishing channel)
         * before it gives up and the job refreshes synchronously. Default 2 s.
         */
        public Builder confirmTimeout(Duration timeout) {
            requireUnset(confirmTimeout, "confirmTimeout");
            this.confirmTimeout = requirePositive(timeout, "confirmTimeout");
            return this;
        }

        /** How long a connection attempt may take (the TCP connect; the AMQP handshake gets twice it). Default 1 s. */
        public Builder connectionTimeout(Duration timeout) {
            requireUnset(connectionTimeout, "connectionTimeout");
            this.connectionTimeout = requirePositive(timeout, "connectionTimeout");
            return this;
        }

        /**
         * The pause between connection attempts: automatic recovery of a lost connection, the first
         * connection of a worker, and the publisher's next attempt after a failed one (in between,
         * enqueues fail at once). Default 5 s.
         */
        public Builder retryInterval(Duration interval) {
            requireUnset(retryInterval, "retryInterval");
            this.retryInterval = requirePositive(interval, "retryInterval");
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
         * is called: for applications that construct their jobs after building the runtime. Needs {@link #consume}.
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
         * @throws IllegalStateException when a worker option is set without {@link #consume}, or
         *     {@link #sslContext} without {@code amqps://}
         */
        public RabbitRefreshQueue build() {
            URI parsed;
            try {
                parsed = new URI(uri);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("Not a valid AMQP URI: " + redact(uri)
                        + " (expected amqp://user:password@host:port/vhost)");
            }
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("amqp") && !scheme.equals("amqps")) {
                throw new IllegalArgumentException("The RabbitMQ refresh queue needs an amqp:// or amqps:// URI, not "
                        + redact(uri));
            }
            if (consume == null) {
                List<String> workerOnly = new ArrayList<>();
                if (concurrency != null) {
                    workerOnly.add("concurrency");
                }
                if (prefetch != null) {
                    workerOnly.add("prefetch");
                }
                if (maxAttempts != null) {
                    workerOnly.add("maxAttempts");
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
            if (sslContext != null && !scheme.equals("amqps")) {
                throw new IllegalStateException("sslContext is set but the URI is not amqps://");
            }
            ConnectionFactory factory = new ConnectionFactory();
            try {
                if (scheme.equals("amqps")) {
                    // the client's own amqps handling trusts every certificate: configure TLS here instead
                    factory.setUri(uri.replaceFirst("(?i)^amqps://", "amqp://"));
                    if (parsed.getPort() < 0) {
                        factory.setPort(ConnectionFactory.DEFAULT_AMQP_OVER_SSL_PORT);
                    }
                    factory.useSslProtocol(sslContext != null ? sslContext : SSLContext.getDefault());
                    factory.enableHostnameVerification();
                } else {
                    factory.setUri(parsed);
                }
            } catch (URISyntaxException | GeneralSecurityException | IllegalArgumentException e) {
                throw new IllegalArgumentException("Not a usable AMQP URI: " + redact(uri) + " (" + e.getClass().getSimpleName()
                        + ")");
            }
            factory.setThreadFactory(Worker.daemon("cacheback-amqp"));
            String vhost = factory.getVirtualHost();
            String description = scheme + "://" + factory.getHost() + ":" + factory.getPort() + "/"
                    + ("/".equals(vhost) ? "" : URLEncoder.encode(vhost, StandardCharsets.UTF_8));
            Config config = new Config(factory, description,
                    defaultQueue != null ? defaultQueue : "cacheback",
                    consume != null ? consume : List.of(),
                    concurrency != null ? concurrency : 1,
                    prefetch != null ? prefetch : 1,
                    maxAttempts != null ? maxAttempts : 3,
                    publisherChannels != null ? publisherChannels : 4,
                    confirmTimeout != null ? confirmTimeout : Duration.ofSeconds(2),
                    connectionTimeout != null ? connectionTimeout : Duration.ofSeconds(1),
                    retryInterval != null ? retryInterval : Duration.ofSeconds(5),
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
     * 2 s), the declaration by the confirm timeout. A default queue that does not exist yet counts as
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
        ConnectionFactory factory = config.newFactory(config.confirmTimeout());
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
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
                connection.abort(Config.millis(config.connectionTimeout()));   // bounded, never throws
            }
        }
    }

    private static String pingFailure(Throwable e) {
        Throwable cause = e.getCause() instanceof com.rabbitmq.client.ShutdownSignalException s ? s : e;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}

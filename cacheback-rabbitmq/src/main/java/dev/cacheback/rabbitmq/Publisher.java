package dev.cacheback.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.ServerBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The publishing side (DESIGN.md F5): a caller's {@link #publish} checks the state, encodes the task and
 * hands it to one publishing thread, and returns: it never touches the socket, never waits for the
 * broker's confirm, and takes no lock (volatile reads, atomic counters, a lock-free queue), so a caller
 * is never held behind another thread. The publishing thread owns one connection and one confirm-mode channel: it
 * connects (again every reconnect interval after a loss), declares queues, publishes, and tracks each
 * message by its channel sequence number until the broker confirms it ({@link ConfirmListener}).
 *
 * <p>Bounds: at most {@code maxUnconfirmed} tasks are handed off and not yet confirmed; past it, a
 * publish throws at once. A task not confirmed within {@code publishTimeout}, or a publishing thread
 * stuck that long in one publish (a hung socket), opens the {@link ServerBreaker} (whose probe interval
 * runs on the runtime's clock; the publish timeout itself is real elapsed time, as a socket timeout is,
 * so that a test clock moved forward or a wall-clock step does not fake a timeout): publishes then throw at once, except one probe per probe interval, until the
 * broker answers again. A nack, a return (unroutable), a timeout, or a connection lost before the
 * confirm is logged (rate-limited) and counted: the task may be lost, its lease then expires after
 * the job's refresh timeout and the next stale read enqueues again.
 */
final class Publisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final int MAX_HEADER_CHARS = 500;
    private static final long REFUSED_QUEUE_MILLIS = 10_000;

    /** One task on its way: handed off, then published, then confirmed (or not). */
    private static final class Outgoing {
        final String queue;
        final String target;
        final Duration delay;
        final AMQP.BasicProperties props;
        final byte[] body;
        final String key;
        final long handedAt;
        volatile long sentAt;

        Outgoing(String queue, String target, Duration delay, AMQP.BasicProperties props, byte[] body, String key,
                 long handedAt) {
            this.queue = queue;
            this.target = target;
            this.delay = delay;
            this.props = props;
            this.body = body;
            this.key = key;
            this.handedAt = handedAt;
        }
    }

    /** What became of published tasks so far. */
    record Counts(long published, long confirmed, long nacked, long returned, long timedOut, long lost, int inFlight) {
    }

    private final Config config;
    private final QueueContext context;
    private final ServerBreaker breaker;
    private final ConnectionFactory factory;
    private final RateLimitedLog problems;
    /** Tasks handed off, not yet published: callers add, the publishing thread takes; lock-free. */
    private final ConcurrentLinkedQueue<Outgoing> handoff = new ConcurrentLinkedQueue<>();
    /** Whether the publishing thread is parked waiting for tasks (then the next caller unparks it). */
    private final AtomicBoolean idle = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentSkipListMap<Long, Outgoing> unconfirmed = new ConcurrentSkipListMap<>();
    private final Map<String, String> refusedQueues = new ConcurrentHashMap<>();
    private final Map<String, Long> refusedAt = new ConcurrentHashMap<>();
    private final Set<String> declared = new HashSet<>();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong confirmed = new AtomicLong();
    private final AtomicLong nacked = new AtomicLong();
    private final AtomicLong returned = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final Thread thread;
    private volatile Connection connection;
    /** Whether {@link #connection} is open: set by the publishing thread and the connection's shutdown listener. */
    private volatile boolean connected;
    private volatile Channel channel;
    private volatile String blockedReason;
    private volatile String lastConnectFailure = "not connected yet";
    private volatile long publishingSince;
    private volatile boolean closed;
    /**
     * {@link System#nanoTime()} from which the publishing thread may try to connect again: a pause in
     * real time, so that a runtime on a test clock still reconnects (timeouts that decide what becomes
     * of a task use the runtime's clock).
     */
    private long nextConnectAt = System.nanoTime();
    private ScheduledFuture<?> checker;

    Publisher(Config config, QueueContext context) {
        this.config = config;
        this.context = context;
        this.breaker = new ServerBreaker("RabbitMQ at " + config.description(), context.clock(), config.probeInterval());
        this.factory = config.newFactory(config.publishTimeout(), false);
        this.problems = new RateLimitedLog(log, context.clock(), 10_000);
        this.thread = new Thread(this::run, "cacheback-rabbitmq-publisher");
        thread.setDaemon(true);
    }

    /**
     * Connects in the calling thread (bounded by the connect timeout; a failure is logged, and the
     * publishing thread tries again every reconnect interval), then starts the publishing thread and
     * the confirm-timeout check on the runtime's scheduler.
     */
    void start() {
        connect();
        thread.start();
        long every = Math.max(10, Math.min(250, config.publishTimeout().toMillis() / 4));
        checker = context.scheduler().scheduleWithFixedDelay(this::checkTimeouts, every, every, TimeUnit.MILLISECONDS);
    }

    /** Whether the publishing connection is open; a volatile read (the client's own check takes a lock). */
    boolean isConnected() {
        return connected;
    }

    ServerBreaker breaker() {
        return breaker;
    }

    Counts counts() {
        return new Counts(published.get(), confirmed.get(), nacked.get(), returned.get(), timedOut.get(), lost.get(),
                inFlight.get());
    }

    /**
     * Hands {@code task} to the publishing thread and returns: never waits for the broker.
     *
     * @throws RefreshQueueException at once when the queue is closed, not connected, blocked by the
     *     broker, failing fast after a timeout, has {@code maxUnconfirmed} tasks unconfirmed, or the
     *     task's queue was refused by the broker in the last 10 s
     */
    void publish(String queue, RefreshTask task) {
        if (closed) {
            throw new RefreshQueueException("The RabbitMQ refresh queue (" + config.description() + ") is closed");
        }
        if (!isConnected()) {
            throw new RefreshQueueException("Not connected to RabbitMQ at " + config.description() + " ("
                    + lastConnectFailure + "); trying again every " + config.reconnectInterval().toMillis() + " ms");
        }
        String blocked = blockedReason;
        if (blocked != null) {
            throw new RefreshQueueException("RabbitMQ at " + config.description() + " blocks publishers (" + blocked
                    + "): a resource alarm is raised on the broker");
        }
        String refused = refusedQueues.get(queue);
        if (refused != null) {
            Long at = refusedAt.get(queue);
            if (at != null && System.nanoTime() - at < REFUSED_QUEUE_MILLIS * 1_000_000L) {
                throw new RefreshQueueException(refused);
            }
            refusedQueues.remove(queue);
            refusedAt.remove(queue);
        }
        if (!breaker.allow()) {
            throw new RefreshQueueException(breaker.openMessage());
        }
        if (inFlight.incrementAndGet() > config.maxUnconfirmed()) {
            inFlight.decrementAndGet();
            throw new RefreshQueueException(config.maxUnconfirmed() + " refresh tasks already await RabbitMQ's confirm at "
                    + config.description() + " (maxUnconfirmed): the broker is slow or stuck");
        }
        Duration delay = task.options().delay();
        boolean delayed = delay != null && !delay.isZero();
        String target = delayed ? Topology.waitQueue(queue, delay) : queue;
        handoff.add(new Outgoing(queue, target, delayed ? delay : null, properties(task, delayed, context.clock().millis()),
                task.toBytes(), task.key(), System.nanoTime()));
        if (idle.get() && idle.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * The next task handed off, or null after about 100 ms without one. While tasks keep coming the
     * thread naps 1 ms at a time, so that callers need not wake it (a system call each); only after
     * ~20 ms without a task does it park until a caller unparks it. A task so waits at most ~1 ms
     * before it is published while tasks flow.
     */
    private Outgoing next() {
        Outgoing next = handoff.poll();
        if (next != null) {
            return next;
        }
        for (int nap = 0; nap < 20 && !closed; nap++) {
            LockSupport.parkNanos(this, 1_000_000L);
            next = handoff.poll();
            if (next != null) {
                return next;
            }
        }
        idle.set(true);
        next = handoff.poll(); // a caller may have added one before seeing the flag
        if (next == null) {
            LockSupport.parkNanos(this, 100_000_000L);
            next = handoff.poll();
        }
        idle.set(false);
        return next;
    }

    private void run() {
        while (!closed) {
            Outgoing next = next();
            if (closed) {
                if (next != null) {
                    settleLost(next, "the queue was closed before it was published");
                }
                break;
            }
            Connection c = connection;
            if (c != null && !c.isOpen()) {
                connectionLost(c);
            }
            if (connection == null && !closed && System.nanoTime() - nextConnectAt >= 0) {
                connect();
            }
            if (next != null) {
                send(next);
            }
        }
        Outgoing left;
        while ((left = handoff.poll()) != null) {
            settleLost(left, "the queue was closed before it was published");
        }
    }

    private void send(Outgoing o) {
        Connection c = connection;
        if (c == null || !c.isOpen()) {
            settleLost(o, "the connection was lost before it was published");
            return;
        }
        publishingSince = System.nanoTime() | 1; // never 0, which means idle
        Long seq = null;
        try {
            Channel ch = channel(c);
            declare(ch, o);
            seq = ch.getNextPublishSeqNo();
            o.sentAt = System.nanoTime();
            unconfirmed.put(seq, o);
            ch.basicPublish("", o.target, true, o.props, o.body);
            published.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            // settled once: unless the confirm check timed it out meanwhile
            if (seq == null || unconfirmed.remove(seq) != null) {
                settleLost(o, describe(e));
            }
        } finally {
            publishingSince = 0;
        }
    }

    private Channel channel(Connection c) throws IOException {
        Channel ch = channel;
        if (ch != null && ch.isOpen()) {
            return ch;
        }
        if (ch != null) {
            dropUnconfirmed("its channel closed: " + closeReason(ch));
        }
        synchronized (declared) {
            declared.clear();
        }
        Channel created = c.createChannel();
        if (created == null) {
            throw new IOException("the broker has no channel left for this connection (channel_max reached)");
        }
        created.confirmSelect();
        created.addConfirmListener(new ConfirmListener() {
            @Override
            public void handleAck(long seq, boolean multiple) {
                if (channel == created) {
                    settle(seq, multiple, true);
                }
            }

            @Override
            public void handleNack(long seq, boolean multiple) {
                if (channel == created) {
                    settle(seq, multiple, false);
                }
            }
        });
        created.addReturnListener(r -> {
            returned.incrementAndGet();
            String queue = r.getRoutingKey();
            synchronized (declared) {
                declared.remove(queue);
            }
            problems.warn("RabbitMQ returned a refresh task as unroutable: queue \"{}\" was deleted after this process "
                    + "declared it; it is declared again for the next task, and the lost task's lease expires so the next "
                    + "stale read enqueues it again", queue);
        });
        channel = created;
        return created;
    }

    private void declare(Channel ch, Outgoing o) throws IOException {
        synchronized (declared) {
            if (!declared.contains(o.queue)) {
                try {
                    Topology.declareWork(ch, o.queue);
                    Topology.declareDead(ch, o.queue);
                } catch (IOException e) {
                    String message = "RabbitMQ at " + config.description() + " refused queue \"" + o.queue
                            + "\" (declared durable with x-max-priority " + Topology.MAX_PRIORITY + "): " + describe(e)
                            + ". If it exists with other arguments, delete it or name another queue in the job's taskOptions";
                    refusedQueues.put(o.queue, message);
                    refusedAt.put(o.queue, System.nanoTime());
                    throw new IOException(message, e);
                }
                declared.add(o.queue);
            }
            if (o.delay != null && !declared.contains(o.target)) {
                Topology.declareWait(ch, o.queue, o.delay);
                declared.add(o.target);
            }
        }
    }

    /** A confirm (ack) or nack for {@code seq} (and every earlier one when {@code multiple}). */
    private void settle(long seq, boolean multiple, boolean ack) {
        breaker.succeeded();
        int n = 0;
        if (multiple) {
            ConcurrentNavigableMap<Long, Outgoing> head = unconfirmed.headMap(seq, true);
            for (Long s : head.keySet()) {
                if (unconfirmed.remove(s) != null) {
                    n++;
                }
            }
        } else if (unconfirmed.remove(seq) != null) {
            n = 1;
        }
        if (n == 0) {
            return;
        }
        inFlight.addAndGet(-n);
        if (ack) {
            confirmed.addAndGet(n);
        } else {
            nacked.addAndGet(n);
            problems.warn("RabbitMQ at {} nacked {} refresh task(s) (it could not store them); their leases expire after "
                    + "the job's refresh timeout and the next stale read enqueues again", config.description(), n);
        }
    }

    private void settleLost(Outgoing o, String why) {
        inFlight.decrementAndGet();
        lost.incrementAndGet();
        problems.warn("A refresh task for key {} was not published to RabbitMQ at {} ({}); its lease expires after the "
                + "job's refresh timeout and the next stale read enqueues again", truncate(o.key), config.description(), why);
    }

    private void dropUnconfirmed(String why) {
        int n = 0;
        for (Long s : unconfirmed.keySet()) {
            if (unconfirmed.remove(s) != null) {
                n++;
            }
        }
        if (n > 0) {
            inFlight.addAndGet(-n);
            lost.addAndGet(n);
            problems.warn("{} refresh task(s) published to RabbitMQ at {} were never confirmed ({}); they may or may not "
                    + "be queued: their leases expire after the job's refresh timeout and the next stale read enqueues "
                    + "again", n, config.description(), why);
        }
    }

    /** On the runtime's scheduler: times out unconfirmed tasks and a publish stuck on the socket. */
    private void checkTimeouts() {
        try {
            long now = System.nanoTime();
            long timeout = config.publishTimeout().toNanos();
            int expired = 0;
            for (Map.Entry<Long, Outgoing> e : unconfirmed.entrySet()) {
                if (now - e.getValue().sentAt <= timeout) {
                    break;
                }
                if (unconfirmed.remove(e.getKey()) != null) {
                    expired++;
                }
            }
            if (expired > 0) {
                inFlight.addAndGet(-expired);
                timedOut.addAndGet(expired);
                long millis = config.publishTimeout().toMillis();
                problems.warn("RabbitMQ at {} did not confirm {} refresh task(s) within {} ms (publishTimeout); their "
                        + "leases expire after the job's refresh timeout and the next stale read enqueues again",
                        config.description(), expired, millis);
                breaker.failed(new TimeoutException("no publisher confirm within " + millis + " ms"));
            }
            long since = publishingSince;
            Outgoing waiting = handoff.peek();
            if ((since != 0 && now - since > timeout) || (waiting != null && now - waiting.handedAt > timeout)) {
                breaker.failed(new TimeoutException("a publish has been blocked for over "
                        + config.publishTimeout().toMillis() + " ms"));
            }
        } catch (RuntimeException e) {
            log.warn("RabbitMQ publisher's confirm check failed", e);
        }
    }

    private void connect() {
        try {
            Connection made = factory.newConnection("cacheback-publisher");
            made.addBlockedListener(new BlockedListener() {
                @Override
                public void handleBlocked(String reason) {
                    blockedReason = reason;
                    log.warn("RabbitMQ at {} blocks publishers ({}): refreshing synchronously until it unblocks",
                            config.description(), reason);
                }

                @Override
                public void handleUnblocked() {
                    blockedReason = null;
                    log.info("RabbitMQ at {} accepts publishers again", config.description());
                }
            });
            if (closed) {
                made.abort(1000);
                return;
            }
            connection = made;
            connected = true;
            made.addShutdownListener(cause -> {
                if (connection == made) {
                    connected = false;
                }
            });
            breaker.succeeded();
            log.info("Connected to RabbitMQ at {} for publishing refresh tasks", config.description());
        } catch (IOException | TimeoutException | RuntimeException e) {
            lastConnectFailure = describe(e);
            nextConnectAt = System.nanoTime() + config.reconnectInterval().toNanos();
            problems.warn("Cannot connect to RabbitMQ at {} for publishing ({}); stale reads refresh synchronously, "
                    + "trying again every {} ms", config.description(), lastConnectFailure,
                    config.reconnectInterval().toMillis());
        }
    }

    private void connectionLost(Connection c) {
        String why = closeReason(c);
        lastConnectFailure = "connection lost: " + why;
        connected = false;
        connection = null;
        channel = null;
        dropUnconfirmed("the connection closed: " + why);
        c.abort(1000);
        nextConnectAt = System.nanoTime();
        log.warn("Lost the publishing connection to RabbitMQ at {} ({}); stale reads refresh synchronously until it "
                + "is back (trying every {} ms)", config.description(), why, config.reconnectInterval().toMillis());
    }

    private static String closeReason(com.rabbitmq.client.ShutdownNotifier n) {
        ShutdownSignalException s = n.getCloseReason();
        return s == null ? "closed" : describe(s);
    }

    static AMQP.BasicProperties properties(RefreshTask task, boolean delayed, long nowMillis) {
        Map<String, Object> headers = new HashMap<>();
        headers.put(Topology.JOB, truncate(task.jobName()));
        headers.put(Topology.KEY, truncate(task.key()));
        AMQP.BasicProperties.Builder b = new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .contentEncoding("utf-8")
                .deliveryMode(2)
                .appId("cacheback")
                .timestamp(new Date(nowMillis))
                .headers(headers);
        if (task.options().priority() != null) {
            b.priority(task.options().priority());
        }
        if (task.options().expiration() != null && !delayed) {
            b.expiration(Long.toString(Math.max(1, task.options().expiration().toMillis())));
        }
        return b.build();
    }

    static String describe(Throwable e) {
        Throwable cause = e;
        if (e.getCause() instanceof ShutdownSignalException s) {
            cause = s;
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    static String truncate(String s) {
        return s.length() <= MAX_HEADER_CHARS ? s : s.substring(0, MAX_HEADER_CHARS) + "…";
    }

    /**
     * Stops taking tasks, waits up to the publish timeout for tasks handed off to be published and
     * confirmed, then closes the connection. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        long deadline = System.nanoTime() + config.publishTimeout().toNanos();
        while (inFlight.get() > 0 && isConnected() && System.nanoTime() - deadline < 0) {
            LockSupport.unpark(thread);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closed = true;
        if (checker != null) {
            checker.cancel(false);
        }
        LockSupport.unpark(thread);
        try {
            thread.join(config.connectTimeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Connection c = connection;
        connection = null;
        connected = false;
        if (c != null) {
            if (breaker.isOpen()) {
                c.abort(1000); // a broker that hangs would hold a polite close for its whole timeout
            } else {
                try {
                    c.close(Config.millis(config.connectTimeout()));
                } catch (IOException | RuntimeException e) {
                    c.abort(1000);
                }
            }
        }
        dropUnconfirmed("the queue was closed");
    }
}

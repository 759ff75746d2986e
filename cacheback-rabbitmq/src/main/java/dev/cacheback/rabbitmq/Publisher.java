package dev.cacheback.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The publishing side: one connection (made on first use, recovered automatically once made) and a
 * small pool of confirm-mode channels, each used by one thread at a time. Every publish waits for
 * the broker's confirm for at most the confirm timeout; anything short of a confirm is a
 * {@link RefreshQueueException}, so the engine refreshes synchronously.
 *
 * <p>Nothing here blocks a caller for long: while the connection is down (never made, or
 * recovering) a publish fails at once, except that one caller per retry interval tries to connect,
 * bounded by the connection timeout.
 */
final class Publisher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private static final int MAX_HEADER_CHARS = 500;

    private static final class PooledChannel {
        final Connection connection;
        final Channel channel;
        final AtomicBoolean returned = new AtomicBoolean();

        PooledChannel(Connection connection, Channel channel) {
            this.connection = connection;
            this.channel = channel;
        }
    }

    private final Config config;
    private final ConnectionFactory factory;
    private final ReentrantLock connectLock = new ReentrantLock();
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<PooledChannel> idle = new ConcurrentLinkedQueue<>();
    private final Set<String> declared = ConcurrentHashMap.newKeySet();
    private volatile Connection connection;
    private volatile long nextConnectNanos = System.nanoTime();
    private volatile String lastConnectFailure = "";
    private volatile String blockedReason;
    private volatile boolean closed;

    Publisher(Config config) {
        this.config = config;
        this.factory = config.newFactory(config.confirmTimeout().compareTo(Duration.ofSeconds(5)) > 0
                ? config.confirmTimeout() : Duration.ofSeconds(5));
        this.permits = new Semaphore(config.publisherChannels());
    }

    /** Connects now if it can, logging (not throwing) a failure: the first enqueue retries. */
    void tryConnect() {
        try {
            connection();
        } catch (RefreshQueueException e) {
            log.warn("{}; refresh tasks will be refreshed synchronously until it answers", e.getMessage());
        }
    }

    boolean isConnected() {
        Connection c = connection;
        return c != null && c.isOpen();
    }

    /**
     * Publishes {@code task} to {@code queue} (through its wait queue when the task has a delay) and
     * waits for the broker's confirm.
     *
     * @throws RefreshQueueException when the task was not confirmed
     */
    void publish(String queue, RefreshTask task, Clock clock) {
        if (closed) {
            throw new RefreshQueueException("The RabbitMQ refresh queue (" + config.description() + ") is closed");
        }
        Connection c = connection();
        if (!c.isOpen()) {
            throw new RefreshQueueException("The connection to RabbitMQ at " + config.description()
                    + " is down; it is being recovered every " + config.retryInterval().toMillis() + " ms");
        }
        String blocked = blockedReason;
        if (blocked != null) {
            throw new RefreshQueueException("RabbitMQ at " + config.description() + " blocks publishers (" + blocked
                    + "): a resource alarm is raised on the broker");
        }
        acquirePermit();
        PooledChannel pooled = null;
        boolean reusable = false;
        try {
            pooled = borrow(c);
            Duration delay = task.options().delay();
            boolean delayed = delay != null && !delay.isZero();
            declare(pooled.channel, queue, delayed ? delay : null);
            String target = delayed ? Topology.waitQueue(queue, delay) : queue;
            pooled.returned.set(false);
            pooled.channel.basicPublish("", target, true, properties(task, delayed, clock), task.toBytes());
            pooled.channel.waitForConfirmsOrDie(config.confirmTimeout().toMillis());
            reusable = true;
            if (pooled.returned.get()) {
                declared.remove(queue);
                declared.remove(target);
                throw new RefreshQueueException("RabbitMQ returned the task for " + task.key() + " as unroutable: queue \""
                        + target + "\" was deleted after this process declared it; it is declared again on the next task");
            }
        } catch (IOException e) {
            throw new RefreshQueueException("RabbitMQ at " + config.description() + " did not accept the task for "
                    + task.key() + " on queue \"" + queue + "\": " + describe(e), e);
        } catch (TimeoutException e) {
            throw new RefreshQueueException("RabbitMQ at " + config.description() + " did not confirm the task for "
                    + task.key() + " within " + config.confirmTimeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RefreshQueueException("Interrupted while waiting for RabbitMQ to confirm the task for " + task.key(), e);
        } catch (ShutdownSignalException e) {
            throw new RefreshQueueException("The connection to RabbitMQ at " + config.description()
                    + " closed while publishing the task for " + task.key() + ": " + e.getMessage(), e);
        } finally {
            if (pooled != null) {
                if (reusable && !closed && pooled.channel.isOpen()) {
                    idle.offer(pooled);
                } else {
                    closeQuietly(pooled.channel);
                }
            }
            permits.release();
        }
    }

    private void acquirePermit() {
        try {
            if (!permits.tryAcquire(config.confirmTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new RefreshQueueException("All " + config.publisherChannels() + " publishing channels to RabbitMQ at "
                        + config.description() + " stayed busy for " + config.confirmTimeout().toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RefreshQueueException("Interrupted while waiting for a publishing channel", e);
        }
    }

    private PooledChannel borrow(Connection c) throws IOException {
        PooledChannel pooled;
        while ((pooled = idle.poll()) != null) {
            if (pooled.connection == c && pooled.channel.isOpen()) {
                return pooled;
            }
            closeQuietly(pooled.channel);
        }
        Channel channel = c.createChannel();
        if (channel == null) {
            throw new IOException("the broker has no channel left for this connection (channel_max reached)");
        }
        channel.confirmSelect();
        PooledChannel created = new PooledChannel(c, channel);
        channel.addReturnListener(r -> created.returned.set(true));
        return created;
    }

    private void declare(Channel channel, String queue, Duration delay) throws IOException {
        if (!declared.contains(queue)) {
            try {
                Topology.declareWork(channel, queue);
            } catch (IOException e) {
                throw new IOException("cannot declare queue \"" + queue + "\" (durable, x-max-priority "
                        + Topology.MAX_PRIORITY + "): " + describe(e) + ". If it exists with other arguments, "
                        + "delete it or name another queue in the job's taskOptions", e);
            }
            Topology.declareDead(channel, queue);
            declared.add(queue);
        }
        if (delay != null) {
            String wait = Topology.waitQueue(queue, delay);
            if (!declared.contains(wait)) {
                Topology.declareWait(channel, queue, delay);
                declared.add(wait);
            }
        }
    }

    private static AMQP.BasicProperties properties(RefreshTask task, boolean delayed, Clock clock) {
        Map<String, Object> headers = new HashMap<>();
        headers.put(Topology.JOB, truncate(task.jobName()));
        headers.put(Topology.KEY, truncate(task.key()));
        AMQP.BasicProperties.Builder b = new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .contentEncoding("utf-8")
                .deliveryMode(2)
                .appId("cacheback")
                .timestamp(Date.from(clock.instant()))
                .headers(headers);
        if (task.options().priority() != null) {
            b.priority(task.options().priority());
        }
        if (task.options().expiration() != null && !delayed) {
            b.expiration(Long.toString(Math.max(1, task.options().expiration().toMillis())));
        }
        return b.build();
    }

    private Connection connection() {
        Connection c = connection;
        if (c != null) {
            return c;
        }
        if (System.nanoTime() - nextConnectNanos < 0) {
            throw new RefreshQueueException("RabbitMQ at " + config.description() + " was unreachable at the last attempt ("
                    + lastConnectFailure + "); the next attempt is within " + config.retryInterval().toMillis() + " ms");
        }
        if (!connectLock.tryLock()) {
            throw new RefreshQueueException("Another thread is connecting to RabbitMQ at " + config.description());
        }
        try {
            c = connection;
            if (c != null) {
                return c;
            }
            if (closed) {
                throw new RefreshQueueException("The RabbitMQ refresh queue (" + config.description() + ") is closed");
            }
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
                declared.clear();
                connection = made;
                log.info("Connected to RabbitMQ at {} for publishing refresh tasks", config.description());
                return made;
            } catch (IOException | TimeoutException | RuntimeException e) {
                lastConnectFailure = describe(e);
                nextConnectNanos = System.nanoTime() + config.retryInterval().toNanos();
                throw new RefreshQueueException("Cannot connect to RabbitMQ at " + config.description() + ": "
                        + lastConnectFailure, e);
            }
        } finally {
            connectLock.unlock();
        }
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

    private static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        PooledChannel pooled;
        while ((pooled = idle.poll()) != null) {
            closeQuietly(pooled.channel);
        }
        connectLock.lock();
        try {
            Connection c = connection;
            connection = null;
            if (c != null) {
                try {
                    c.close(Config.millis(config.connectionTimeout()) * 2);
                } catch (IOException | RuntimeException e) {
                    c.abort(1000);
                }
            }
        } finally {
            connectLock.unlock();
        }
    }
}

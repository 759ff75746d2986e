package dev.cacheback.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.cacheback.spi.QueueContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The consuming side: its own connection, and per concurrency slot one channel (prefetch set by
 * {@code basicQos}) with one consumer per queue. The client dispatches a channel's deliveries one at
 * a time on one thread of a pool of {@code concurrency} threads, so each slot runs one task at a
 * time and its channel is only ever used by that thread (and, on close, to cancel).
 *
 * <p>Each delivery becomes a {@link RabbitDelivery} handed to the runtime's
 * {@link dev.cacheback.WorkerEngine}, which decides acknowledge / retry after a backoff / dead-letter
 * (DESIGN.md F3); this class only moves messages. A delivery the broker marks as redelivered (its
 * worker died or lost its connection before acknowledging) is simply run again as the same attempt.
 *
 * <p>The connection is recovered by the client (channels, consumers and declarations included) every
 * reconnect interval after a loss; deliveries not acknowledged when it broke go back to their queue
 * and are delivered again (so a task that was running then may run twice: its store is fenced).
 */
final class Worker {

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    private final Config config;
    private final QueueContext context;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService dispatch;
    private final ConnectionFactory factory;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final CountDownLatch consuming = new CountDownLatch(1);
    private final AtomicInteger active = new AtomicInteger();
    private final Object idle = new Object();
    private volatile Connection connection;
    private volatile boolean stopping;
    private boolean started;

    Worker(Config config, QueueContext context) {
        this.config = config;
        this.context = context;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("cacheback-rabbitmq-worker-supervisor"));
        this.dispatch = Executors.newFixedThreadPool(config.concurrency(), daemon("cacheback-rabbitmq-worker"));
        this.factory = config.newFactory(Duration.ofSeconds(10), true);
    }

    /** Starts consuming: tries once in the calling thread, then every reconnect interval in the background. */
    /** Deliveries this worker is running now. */
    int running() {
        return active.get();
    }

    synchronized void start() {
        if (started) {
            throw new IllegalStateException("The RabbitMQ worker is already started");
        }
        started = true;
        if (!connectAndConsume()) {
            scheduler.schedule(this::retryStart, config.reconnectInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    boolean awaitConsuming(Duration timeout) throws InterruptedException {
        return consuming.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void retryStart() {
        if (!stopping && !connectAndConsume()) {
            scheduler.schedule(this::retryStart, config.reconnectInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private boolean connectAndConsume() {
        Connection c;
        try {
            c = factory.newConnection(dispatch, "cacheback-worker");
        } catch (IOException | TimeoutException | RuntimeException e) {
            log.warn("RabbitMQ worker cannot connect to {} ({}); retrying every {} ms", config.description(),
                    Publisher.describe(e), config.reconnectInterval().toMillis());
            return false;
        }
        synchronized (this) {
            if (stopping) {
                c.abort(1000);
                return true;
            }
            connection = c;
        }
        for (int i = 0; i < config.concurrency(); i++) {
            Slot slot = new Slot(i);
            slots.add(slot);
            slot.startOrRetry();
        }
        return true;
    }

    /** One channel and its consumers. */
    private final class Slot {
        final int index;
        volatile Channel channel;
        final List<String> tags = new CopyOnWriteArrayList<>();

        Slot(int index) {
            this.index = index;
        }

        void startOrRetry() {
            if (stopping) {
                return;
            }
            try {
                start();
            } catch (IOException | RuntimeException e) {
                log.warn("RabbitMQ worker slot {} cannot consume {} on {} ({}); retrying in {} ms", index,
                        config.consumeQueues(), config.description(), Publisher.describe(e), config.reconnectInterval().toMillis());
                closeChannel();
                schedule(this::startOrRetry);
            }
        }

        private void start() throws IOException {
            Connection c = connection;
            closeChannel();
            Channel ch = c.createChannel();
            if (ch == null) {
                throw new IOException("the broker has no channel left for this connection (channel_max reached)");
            }
            channel = ch;
            ch.confirmSelect();
            ch.basicQos(config.prefetch());
            tags.clear();
            for (String queue : config.consumeQueues()) {
                Topology.declareWork(ch, queue);
                Topology.declareDead(ch, queue);
            }
            for (String queue : config.consumeQueues()) {
                tags.add(ch.basicConsume(queue, false, new TaskConsumer(this, ch, queue)));
            }
            if (consuming.getCount() > 0 && allStarted()) {
                log.info("RabbitMQ worker consuming {} on {} (concurrency {}, prefetch {})", config.consumeQueues(),
                        config.description(), config.concurrency(), config.prefetch());
                consuming.countDown();
            }
        }

        /** The channel failed or a consumer was cancelled by the broker: start over on a new channel. */
        void lost(String why) {
            if (stopping) {
                return;
            }
            log.warn("RabbitMQ worker slot {} lost its consumer ({}); consuming again in {} ms", index, why,
                    config.reconnectInterval().toMillis());
            schedule(this::startOrRetry);
        }

        void cancel() {
            Channel ch = channel;
            if (ch == null) {
                return;
            }
            for (String tag : tags) {
                try {
                    ch.basicCancel(tag);
                } catch (IOException | RuntimeException e) {
                    // the channel is gone: its deliveries return to the queue anyway
                }
            }
        }

        void closeChannel() {
            Channel ch = channel;
            channel = null;
            if (ch != null && ch.isOpen()) {
                try {
                    ch.close();
                } catch (IOException | TimeoutException | RuntimeException e) {
                    // closing anyway
                }
            }
        }
    }

    private boolean allStarted() {
        return slots.size() == config.concurrency() && slots.stream().allMatch(s -> s.channel != null && s.channel.isOpen());
    }

    private void schedule(Runnable action) {
        try {
            scheduler.schedule(action, config.reconnectInterval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    /** Receives one queue's deliveries on one slot's channel. */
    private final class TaskConsumer extends DefaultConsumer {
        private final Slot slot;
        private final String queue;

        TaskConsumer(Slot slot, Channel channel, String queue) {
            super(channel);
            this.slot = slot;
            this.queue = queue;
        }

        @Override
        public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
            active.incrementAndGet();
            try {
                if (stopping) {
                    getChannel().basicReject(envelope.getDeliveryTag(), true);
                    return;
                }
                context.worker().process(new RabbitDelivery(getChannel(), queue, envelope, properties, body, config,
                        context.clock()));
            } catch (IOException | RuntimeException e) {
                if (stopping) {
                    log.debug("RabbitMQ worker stopping: a task from queue \"{}\" returns to it ({})", queue,
                            Publisher.describe(e));
                } else {
                    log.warn("RabbitMQ worker could not settle a task from queue \"{}\" ({}); the broker delivers it "
                            + "again", queue, Publisher.describe(e));
                }
            } finally {
                if (active.decrementAndGet() == 0) {
                    synchronized (idle) {
                        idle.notifyAll();
                    }
                }
            }
        }

        @Override
        public void handleCancel(String consumerTag) {
            slot.lost("the broker cancelled the consumer of queue \"" + queue + "\": was it deleted?");
        }

        @Override
        public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
            // a connection failure is recovered by the client with its consumers; a channel error is not
            if (!sig.isHardError() && !sig.isInitiatedByApplication() && slot.channel == getChannel()) {
                slot.lost("channel closed: " + sig.getMessage());
            }
        }
    }

    /**
     * Stops consuming: cancels every consumer, waits up to the shutdown timeout for running tasks to
     * finish (and be acknowledged), then closes the channels, so every delivery not acknowledged
     * returns to its queue. Idempotent.
     */
    void close() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        scheduler.shutdownNow();
        for (Slot slot : slots) {
            slot.cancel();
        }
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        synchronized (idle) {
            while (active.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.warn("RabbitMQ worker stopped with {} task(s) still running after {} ms; their messages return to the queue",
                            active.get(), config.shutdownTimeout().toMillis());
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(idle, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        for (Slot slot : new ArrayList<>(slots)) {
            slot.closeChannel();
        }
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close(5000);
            } catch (IOException | RuntimeException e) {
                c.abort(1000);
            }
        }
        dispatch.shutdown();
        try {
            if (!dispatch.awaitTermination(5, TimeUnit.SECONDS)) {
                dispatch.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dispatch.shutdownNow();
        }
    }

    static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}

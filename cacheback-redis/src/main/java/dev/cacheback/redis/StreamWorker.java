package dev.cacheback.redis;

import dev.cacheback.spi.MalformedTaskException;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskResult;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.models.stream.PendingMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The consuming side of a {@link RedisRefreshQueue}: one reader thread per stream (each blocking in
 * {@code XREADGROUP} on a connection of its own), a pool of {@code concurrency} threads running tasks
 * (a semaphore keeps the number of tasks taken from Redis and not yet finished at most
 * {@code concurrency}), and a claimer that takes over idle unacknowledged tasks.
 */
final class StreamWorker {

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    private final RedisRefreshQueue queue;
    private final RedisConnector connector;
    private final QueueContext context;
    private final Consumer<byte[]> consumer;
    private final byte[] group;
    private final Semaphore permits;
    private final ExecutorService pool;
    private final ScheduledExecutorService claimer;
    private final List<Thread> readers = new ArrayList<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicBoolean failing = new AtomicBoolean();
    private final Map<String, AtomicBoolean> claimDue = new ConcurrentHashMap<>();
    private boolean started;

    StreamWorker(RedisRefreshQueue queue, RedisConnector connector, QueueContext context) {
        this.queue = queue;
        this.connector = connector;
        this.context = context;
        this.group = RedisRefreshQueue.bytes(queue.group());
        this.consumer = Consumer.from(group, RedisRefreshQueue.bytes(queue.consumerName()));
        this.permits = new Semaphore(queue.concurrency());
        this.pool = new ThreadPoolExecutor(queue.concurrency(), queue.concurrency(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threads("cacheback-redis-worker-"));
        this.claimer = new ScheduledThreadPoolExecutor(1, threads("cacheback-redis-claimer-"));
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    synchronized void start() {
        if (started) {
            throw new IllegalStateException("The Redis refresh worker is already started");
        }
        started = true;
        for (String name : queue.consumedQueues()) {
            String stream = queue.streamKey(name);
            claimDue.put(stream, new AtomicBoolean());
            Thread reader = new Thread(() -> readLoop(stream), "cacheback-redis-reader-" + name);
            reader.setDaemon(true);
            readers.add(reader);
            reader.start();
        }
        long every = Math.max(100, queue.claimIdle().toMillis() / 4);
        claimer.scheduleWithFixedDelay(() -> claimDue.values().forEach(f -> f.set(true)), every, every, TimeUnit.MILLISECONDS);
        log.info("Redis refresh worker {} consuming {} with {} threads (group {})", queue.consumerName(),
                queue.consumedQueues(), queue.concurrency(), queue.group());
    }

    // ------------------------------------------------------------------ reading

    @SuppressWarnings("unchecked")
    private void readLoop(String stream) {
        byte[] key = RedisRefreshQueue.bytes(stream);
        RedisConnector.Link link = null;
        while (stopping.getCount() > 0) {
            boolean held = false;
            try {
                if (!permits.tryAcquire(queue.blockTime().toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                held = true;
                if (link == null) {
                    link = connector.dedicated(queue.blockTime().plus(queue.commandTimeout()));
                }
                queue.ensureGroup(connector, stream);
                if (claimDue.get(stream).compareAndSet(true, false)) {
                    held = false;
                    if (claim(stream)) {
                        continue;
                    }
                    held = true;
                }
                List<StreamMessage<byte[], byte[]>> messages = link.commands().xreadgroup(consumer,
                        XReadArgs.Builder.block(queue.blockTime()).count(1), XReadArgs.StreamOffset.lastConsumed(key));
                answered();
                if (messages == null || messages.isEmpty()) {
                    continue;
                }
                StreamMessage<byte[], byte[]> message = messages.get(0);
                held = false;
                dispatch(stream, message, 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                if (String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                    queue.groupLost(stream);
                } else {
                    failed("read from " + stream, e);
                    link = closeQuietly(link);
                    pause(Duration.ofSeconds(1));
                }
            } finally {
                if (held) {
                    permits.release();
                }
            }
        }
        closeQuietly(link);
    }

    private void dispatch(String stream, StreamMessage<byte[], byte[]> message, long delivery) {
        run(stream, message, () -> process(stream, message, delivery));
    }

    /** Runs {@code work} for an entry in the pool; the entry holds one permit, released when done. */
    private void run(String stream, StreamMessage<byte[], byte[]> message, Runnable work) {
        String id = stream + " " + message.getId();
        inFlight.add(id);
        try {
            pool.execute(() -> {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    failed("finish entry " + message.getId() + " of " + stream, e);
                } finally {
                    inFlight.remove(id);
                    permits.release();
                }
            });
        } catch (RuntimeException e) {
            // the pool is shut down: the entry stays unacknowledged and another worker claims it
            inFlight.remove(id);
            permits.release();
        }
    }

    private void process(String stream, StreamMessage<byte[], byte[]> message, long delivery) {
        String id = message.getId();
        byte[] raw = field(message.getBody(), RedisRefreshQueue.TASK_FIELD);
        try {
            if (raw == null) {
                deadLetter(stream, message, null, "the entry has no \"task\" field: it was not written by Cacheback");
                return;
            }
            RefreshTask task;
            try {
                task = RefreshTask.fromBytes(raw);
            } catch (MalformedTaskException e) {
                deadLetter(stream, message, null, "unreadable task: " + e.getMessage());
                return;
            }
            if (task.isExpired(context.clock().instant())) {
                ack(stream, id);
                dropped(task, "task expired: created " + task.createdAt() + " with expiration " + task.options().expiration());
                return;
            }
            TaskResult result;
            try {
                result = context.handler().handle(task);
            } catch (RuntimeException | Error e) {
                log.error("Refresh task {} from {} threw past its handler", task, stream, e);
                result = TaskResult.failed("the handler threw " + e, e);
            }
            switch (result.outcome()) {
                case DONE -> ack(stream, id);
                case EXPIRED -> {
                    ack(stream, id);
                    dropped(task, result.reason());
                }
                case UNKNOWN_JOB, REJECTED -> deadLetter(stream, message, task, result.reason());
                case FAILED -> {
                    if (delivery >= queue.maxDeliveries()) {
                        deadLetter(stream, message, task, "failed on each of " + delivery + " deliveries; last: " + result.reason());
                    } else {
                        log.warn("Refresh task {} from {} failed (delivery {} of {}); it is tried again once idle for {}: {}",
                                task, stream, delivery, queue.maxDeliveries(), queue.claimIdle(), result.reason());
                    }
                }
            }
        } catch (RuntimeException e) {
            failed("acknowledge entry " + id + " of " + stream, e);
        }
    }

    // ------------------------------------------------------------------ claiming

    /**
     * Claims entries of {@code stream} idle for at least the claim idle time from whichever consumer
     * holds them (a dead one, or this one after a failed refresh) and runs them, or dead-letters them
     * once delivered {@code maxDeliveries} times. Called by the stream's reader while it holds one
     * permit, which this call takes over (the first claimed entry uses it); further entries need free
     * permits.
     *
     * @return whether the held permit was used (else the caller still holds it)
     */
    private boolean claim(String stream) {
        byte[] key = RedisRefreshQueue.bytes(stream);
        boolean heldUsed = false;
        try {
            RedisClusterCommands<byte[], byte[]> commands = connector.commands();
            List<PendingMessage> idle = commands.xpending(key, new XPendingArgs<byte[]>().group(group)
                    .idle(queue.claimIdle()).range(Range.create("-", "+")).limit(Limit.from(100)));
            for (PendingMessage pending : idle) {
                if (stopping.getCount() == 0) {
                    break;
                }
                if (inFlight.contains(stream + " " + pending.getId())) {
                    continue;
                }
                if (heldUsed && !permits.tryAcquire()) {
                    break;
                }
                List<StreamMessage<byte[], byte[]>> claimed = commands.xclaim(key, consumer,
                        new XClaimArgs().minIdleTime(queue.claimIdle()), pending.getId());
                if (claimed.isEmpty()) {
                    if (heldUsed) {
                        permits.release();
                    }
                    if (commands.xrange(key, Range.create(pending.getId(), pending.getId())).isEmpty()) {
                        commands.xack(key, group, pending.getId()); // trimmed away: nothing left to run
                    }
                    continue;
                }
                heldUsed = true;
                StreamMessage<byte[], byte[]> message = claimed.get(0);
                long delivered = pending.getRedeliveryCount();
                if (delivered >= queue.maxDeliveries()) {
                    run(stream, message, () -> deadLetter(stream, message, null, "not acknowledged after " + delivered
                            + " deliveries (last consumer " + pending.getConsumer() + " died or failed it)"));
                } else {
                    log.info("Claimed refresh task {} of {} from consumer {} (idle {} ms, delivery {})", message.getId(),
                            stream, pending.getConsumer(), pending.getMsSinceLastDelivery(), delivered + 1);
                    run(stream, message, () -> process(stream, message, delivered + 1));
                }
            }
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                queue.groupLost(stream);
            } else {
                failed("claim idle entries of " + stream, e);
            }
        }
        return heldUsed;
    }

    // ------------------------------------------------------------------ outcomes

    private void ack(String stream, String id) {
        connector.commands().xack(RedisRefreshQueue.bytes(stream), group, id);
    }

    private void deadLetter(String stream, StreamMessage<byte[], byte[]> message, RefreshTask task, String reason) {
        String dead = stream + RedisRefreshQueue.DEAD_SUFFIX;
        Map<byte[], byte[]> body = new LinkedHashMap<>();
        byte[] raw = field(message.getBody(), RedisRefreshQueue.TASK_FIELD);
        body.put(RedisRefreshQueue.bytes(RedisRefreshQueue.TASK_FIELD), raw != null ? raw : new byte[0]);
        body.put(RedisRefreshQueue.bytes(RedisRefreshQueue.REASON_FIELD), RedisRefreshQueue.bytes(reason));
        body.put(RedisRefreshQueue.bytes("stream"), RedisRefreshQueue.bytes(stream));
        body.put(RedisRefreshQueue.bytes("id"), RedisRefreshQueue.bytes(message.getId()));
        body.put(RedisRefreshQueue.bytes("consumer"), RedisRefreshQueue.bytes(queue.consumerName()));
        RedisClusterCommands<byte[], byte[]> commands = connector.commands();
        commands.xadd(RedisRefreshQueue.bytes(dead), new XAddArgs().maxlen(queue.maxLength()).approximateTrimming(), body);
        commands.xack(RedisRefreshQueue.bytes(stream), group, message.getId());
        log.error("Moved refresh task {} of {} to {}: {}", task != null ? task : message.getId(), stream, dead, reason);
        if (task != null) {
            dropped(task, "dead-lettered to " + dead + ": " + reason);
        } else {
            String job = text(field(message.getBody(), "job"));
            String k = text(field(message.getBody(), "key"));
            context.listener().onTaskDropped(job != null ? job : "?", k != null ? k : "?", "dead-lettered to " + dead + ": " + reason);
        }
    }

    private void dropped(RefreshTask task, String reason) {
        log.debug("Dropped refresh task {}: {}", task, reason);
        context.listener().onTaskDropped(task.jobName(), task.key(), reason);
    }

    private void failed(String what, RuntimeException e) {
        if (failing.compareAndSet(false, true)) {
            log.error("Redis refresh worker {} cannot {} on {}; retrying every second, logged again when it recovers: {}",
                    queue.consumerName(), what, connector.description(), e.toString(), e);
        } else {
            log.debug("Redis refresh worker cannot {}: {}", what, e.toString());
        }
    }

    private void answered() {
        if (failing.get() && failing.compareAndSet(true, false)) {
            log.info("Redis refresh worker {} reads from {} again", queue.consumerName(), connector.description());
        }
    }

    private void pause(Duration duration) {
        try {
            stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static byte[] field(Map<byte[], byte[]> body, String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (Map.Entry<byte[], byte[]> e : body.entrySet()) {
            if (Arrays.equals(e.getKey(), wanted)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    private static RedisConnector.Link closeQuietly(RedisConnector.Link link) {
        if (link != null) {
            try {
                link.connection().close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ stopping

    /**
     * Stops reading (readers finish their current blocking read, at most the block time), lets the
     * tasks taken so far finish within {@code timeout}, then interrupts what still runs: those tasks
     * stay unacknowledged and another worker claims them.
     */
    void stop(Duration timeout) {
        stopping.countDown();
        claimer.shutdownNow();
        long readerWait = queue.blockTime().plus(queue.commandTimeout()).toMillis() + 1000;
        for (Thread reader : readers) {
            try {
                reader.join(readerWait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (reader.isAlive()) {
                reader.interrupt();
            }
        }
        pool.shutdown();
        try {
            if (!pool.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                List<Runnable> notStarted = pool.shutdownNow();
                log.warn("Redis refresh worker {} stopped with refreshes still running after {}; {} not started. "
                        + "They stay unacknowledged and another worker claims them after {}", queue.consumerName(),
                        timeout, notStarted.size(), queue.claimIdle());
            }
            claimer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
        log.info("Redis refresh worker {} stopped", queue.consumerName());
    }
}

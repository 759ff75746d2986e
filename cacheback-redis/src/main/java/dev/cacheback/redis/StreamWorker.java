package dev.cacheback.redis;

import dev.cacheback.spi.MalformedTaskException;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskDelivery;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The consuming side of a {@link RedisRefreshQueue}: one reader thread per stream (each blocking in
 * {@code XREADGROUP} on a connection of its own), a pool of {@code concurrency} threads handing
 * entries to the runtime's {@link dev.cacheback.WorkerEngine} (a semaphore keeps the entries taken
 * from Redis and not yet settled at most {@code concurrency}), and two periodic jobs on the runtime's
 * scheduler: moving due retries from the delayed set into the stream, and flagging the readers to
 * claim entries of dead consumers.
 */
final class StreamWorker {

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    /** How often due retries are moved from the delayed set into the stream. */
    static final Duration DELAYED_POLL_INTERVAL = Duration.ofMillis(100);
    /** How many due retries one move takes at most. */
    private static final int DELAYED_BATCH = 200;
    /** How many pending entries one read of this consumer's own pending entries takes. */
    private static final int PENDING_BATCH = 100;

    /** Acknowledges and deletes an entry. KEYS: stream. ARGV: group, id. */
    static final RedisConnector.Script ACK = RedisConnector.Script.of("""
            local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            redis.call('XDEL', KEYS[1], ARGV[2])
            return n
            """);

    /**
     * Puts the task into the delayed set and acknowledges and deletes the entry, if the entry is still
     * pending (so a retry is never made twice). KEYS: stream, delayed set. ARGV: group, id, due epoch
     * ms, member ({@code id \n attempt \n task}).
     */
    static final RedisConnector.Script RETRY = RedisConnector.Script.of("""
            local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            if n == 1 then
                redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
            end
            redis.call('XDEL', KEYS[1], ARGV[2])
            return n
            """);

    /**
     * Moves due members of the delayed set into the stream. KEYS: stream, delayed set. ARGV: now (epoch
     * ms), most to move, the stream's max length.
     */
    static final RedisConnector.Script MOVE_DUE = RedisConnector.Script.of("""
            local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
            for _, member in ipairs(due) do
                local a = string.find(member, '\\n', 1, true)
                local b = a and string.find(member, '\\n', a + 1, true)
                if b then
                    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*',
                        'task', string.sub(member, b + 1), 'attempt', string.sub(member, a + 1, b - 1))
                end
                redis.call('ZREM', KEYS[2], member)
            end
            return #due
            """);

    /**
     * Adds the task to the dead-letter stream and acknowledges and deletes the entry. KEYS: stream, dead
     * stream. ARGV: group, id, task, reason, attempt, max length, consumer, when (epoch ms, runtime's clock).
     */
    static final RedisConnector.Script DEAD = RedisConnector.Script.of("""
            local n = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            if n == 1 then
                redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', 'task', ARGV[3], 'reason', ARGV[4],
                    'attempt', ARGV[5], 'id', ARGV[2], 'consumer', ARGV[7], 'at', ARGV[8])
            end
            redis.call('XDEL', KEYS[1], ARGV[2])
            return n
            """);

    /**
     * Claims the entry again for the consumer that holds it (resetting its idle time), if it still
     * does. KEYS: stream. ARGV: group, consumer, id.
     */
    static final RedisConnector.Script HEARTBEAT = RedisConnector.Script.of("""
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
            if p[1] == nil or p[1][2] ~= ARGV[2] then
                return 0
            end
            redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
            return 1
            """);

    private final RedisRefreshQueue queue;
    private final RedisConnector connector;
    private final QueueContext context;
    private final Consumer<byte[]> consumer;
    private final byte[] group;
    private final Semaphore permits;
    private final ExecutorService pool;
    private final List<Thread> readers = new ArrayList<>();
    private final List<ScheduledFuture<?>> periodic = new ArrayList<>();
    private final Map<String, StreamState> streams = new ConcurrentHashMap<>();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicBoolean failing = new AtomicBoolean();
    private final AtomicBoolean moveFailing = new AtomicBoolean();
    private boolean started;

    /** What a reader knows of its stream. */
    private static final class StreamState {
        final String stream;
        final byte[] key;
        /** Entry ids taken by this worker and not settled yet. */
        final Set<String> inFlight = ConcurrentHashMap.newKeySet();
        /** Ids settled while a read of own pending entries is under way (so that read does not run them again). */
        final Set<String> settledDuringPass = ConcurrentHashMap.newKeySet();
        volatile boolean passActive;
        /** Read this consumer's own pending entries before new ones. */
        final AtomicBoolean pendingFirst = new AtomicBoolean(true);
        /** Set when settling an entry failed: the next pending read waits a little first. */
        final AtomicBoolean settleFailed = new AtomicBoolean();
        final AtomicBoolean claimDue = new AtomicBoolean();

        StreamState(String stream) {
            this.stream = stream;
            this.key = RedisRefreshQueue.bytes(stream);
        }
    }

    StreamWorker(RedisRefreshQueue queue, RedisConnector connector, QueueContext context) {
        this.queue = queue;
        this.connector = connector;
        this.context = context;
        this.group = RedisRefreshQueue.bytes(queue.group());
        this.consumer = Consumer.from(group, RedisRefreshQueue.bytes(queue.consumerName()));
        this.permits = new Semaphore(queue.concurrency());
        this.pool = new ThreadPoolExecutor(queue.concurrency(), queue.concurrency(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threads("cacheback-redis-worker-"));
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts the readers and the periodic jobs. Idempotent. */
    synchronized void start() {
        if (started || stopping.getCount() == 0) {
            return;
        }
        started = true;
        for (String name : queue.consumedQueues()) {
            StreamState state = new StreamState(queue.streamKey(name));
            streams.put(state.stream, state);
            Thread reader = new Thread(() -> readLoop(state), "cacheback-redis-reader-" + name);
            reader.setDaemon(true);
            readers.add(reader);
            reader.start();
        }
        long poll = DELAYED_POLL_INTERVAL.toMillis();
        periodic.add(context.scheduler().scheduleWithFixedDelay(this::moveDueRetries, poll, poll, TimeUnit.MILLISECONDS));
        long claimEvery = Math.max(100, queue.claimIdle().toMillis() / 2);
        periodic.add(context.scheduler().scheduleWithFixedDelay(() -> streams.values().forEach(s -> s.claimDue.set(true)),
                claimEvery, claimEvery, TimeUnit.MILLISECONDS));
        log.info("Redis refresh worker {} consuming {} with {} at once (group {})", queue.consumerName(),
                queue.consumedQueues(), queue.concurrency(), queue.group());
    }

    // ------------------------------------------------------------------ reading

    private void readLoop(StreamState state) {
        RedisConnector.Link link = null;
        long pauseMillis = RedisConnector.MIN_RECONNECT_DELAY.toMillis();
        while (stopping.getCount() > 0) {
            int held = 0;
            try {
                if (link == null) {
                    link = connector.dedicated(queue.blockTime().plus(queue.commandTimeout()));
                    state.pendingFirst.set(true); // (re)connected: own pending entries first
                }
                RedisClusterCommands<byte[], byte[]> commands = link.commands();
                queue.ensureGroup(commands, state.stream);
                if (state.claimDue.compareAndSet(true, false)) {
                    claim(state, commands);
                }
                if (state.pendingFirst.getAndSet(false)) {
                    if (state.settleFailed.getAndSet(false)) {
                        pause(Duration.ofMillis(200)); // Redis may still be away: do not spin
                    }
                    readOwnPending(state, commands);
                    answered();
                    pauseMillis = RedisConnector.MIN_RECONNECT_DELAY.toMillis();
                    continue;
                }
                if (!permits.tryAcquire(queue.blockTime().toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                held = 1;
                while (held < queue.concurrency() && permits.tryAcquire()) {
                    held++; // read as many entries as there are free threads, in one round trip
                }
                List<StreamMessage<byte[], byte[]>> messages = commands.xreadgroup(consumer,
                        XReadArgs.Builder.block(queue.blockTime()).count(held), XReadArgs.StreamOffset.lastConsumed(state.key));
                answered();
                pauseMillis = RedisConnector.MIN_RECONNECT_DELAY.toMillis();
                if (messages == null) {
                    continue;
                }
                for (StreamMessage<byte[], byte[]> message : messages) {
                    held--;
                    dispatch(state, message, attemptOf(message), false);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                if (String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                    queue.groupLost(state.stream);
                } else {
                    failed("read from " + state.stream, e);
                    link = closeQuietly(link);
                    pause(Duration.ofMillis(pauseMillis));
                    pauseMillis = Math.min(RedisConnector.MAX_RECONNECT_DELAY.toMillis(), pauseMillis * 2);
                }
            } finally {
                if (held > 0) {
                    permits.release(held);
                }
            }
        }
        closeQuietly(link);
    }

    /**
     * Reads the entries delivered to this consumer and not settled (ID 0 onwards) and runs those not
     * running now: what a lost acknowledgement or retry leaves behind.
     */
    private void readOwnPending(StreamState state, RedisClusterCommands<byte[], byte[]> commands)
            throws InterruptedException {
        state.settledDuringPass.clear();
        state.passActive = true;
        try {
            String from = "0";
            while (stopping.getCount() > 0) {
                List<StreamMessage<byte[], byte[]>> batch = commands.xreadgroup(consumer,
                        XReadArgs.Builder.count(PENDING_BATCH), XReadArgs.StreamOffset.from(state.key, from));
                if (batch == null || batch.isEmpty()) {
                    return;
                }
                for (StreamMessage<byte[], byte[]> message : batch) {
                    from = message.getId();
                    String id = message.getId();
                    if (message.getBody() == null || message.getBody().isEmpty()) {
                        commands.xack(state.key, group, id); // deleted or trimmed away: nothing left to run
                        continue;
                    }
                    if (state.inFlight.contains(id) || state.settledDuringPass.contains(id)) {
                        continue;
                    }
                    while (!permits.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                        if (stopping.getCount() == 0) {
                            return;
                        }
                    }
                    if (state.inFlight.contains(id) || state.settledDuringPass.contains(id)) {
                        permits.release();
                        continue;
                    }
                    log.info("Redis refresh worker {} runs again its pending entry {} of {} (its outcome was not "
                            + "recorded)", queue.consumerName(), id, state.stream);
                    dispatch(state, message, attemptOf(message), false);
                }
                if (batch.size() < PENDING_BATCH) {
                    return;
                }
            }
        } finally {
            state.passActive = false;
        }
    }

    /** The attempt number in the entry ({@code attempt} field), 1 when absent or unreadable. */
    private static int attemptOf(StreamMessage<byte[], byte[]> message) {
        byte[] raw = field(message.getBody(), RedisRefreshQueue.ATTEMPT_FIELD);
        if (raw == null) {
            return 1;
        }
        try {
            return Math.max(1, Integer.parseInt(new String(raw, StandardCharsets.US_ASCII).trim()));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** Runs an entry in the pool; the caller holds one permit for it, released when it is settled. */
    private void dispatch(StreamState state, StreamMessage<byte[], byte[]> message, int attempt, boolean claimedFromDead) {
        String id = message.getId();
        state.inFlight.add(id);
        try {
            pool.execute(() -> {
                try {
                    Delivery delivery = new Delivery(state, message, attempt);
                    int maxAttempts = context.worker().retryPolicy().maxAttempts();
                    if (claimedFromDead && attempt > maxAttempts) {
                        delivery.deadLetter("delivered " + attempt + " times without an outcome (its workers "
                                + "stopped while running it)");
                    } else {
                        context.worker().process(delivery);
                    }
                    if (state.passActive) {
                        state.settledDuringPass.add(id);
                    }
                } catch (RuntimeException e) {
                    // the outcome was not recorded (the connection dropped): the entry stays pending and
                    // this worker's reader runs it again as soon as it reads from Redis
                    failed("settle entry " + id + " of " + state.stream, e);
                    state.settleFailed.set(true);
                    state.pendingFirst.set(true);
                } finally {
                    state.inFlight.remove(id);
                    permits.release();
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: the entry stays pending and is claimed by another worker
            state.inFlight.remove(id);
            permits.release();
        }
    }

    // ------------------------------------------------------------------ claiming

    /**
     * Claims entries of the stream idle for at least the claim idle time from whichever consumer holds
     * them (a dead one, or this one if an entry was left behind) and runs them; entries from another
     * consumer count as a new attempt.
     */
    private void claim(StreamState state, RedisClusterCommands<byte[], byte[]> commands) throws InterruptedException {
        List<PendingMessage> idle = commands.xpending(state.key, new XPendingArgs<byte[]>().group(group)
                .idle(queue.claimIdle()).range(Range.create("-", "+")).limit(Limit.from(100)));
        for (PendingMessage pending : idle) {
            if (stopping.getCount() == 0) {
                return;
            }
            String id = pending.getId();
            if (state.inFlight.contains(id)) {
                continue;
            }
            if (!permits.tryAcquire(queue.blockTime().toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            List<StreamMessage<byte[], byte[]>> claimed = commands.xclaim(state.key, consumer,
                    XClaimArgs.Builder.minIdleTime(queue.claimIdle()), id);
            if (claimed.isEmpty() || claimed.get(0).getBody() == null || claimed.get(0).getBody().isEmpty()) {
                permits.release();
                if (commands.xrange(state.key, Range.create(id, id)).isEmpty()) {
                    commands.xack(state.key, group, id); // deleted or trimmed away: nothing left to run
                }
                continue;
            }
            StreamMessage<byte[], byte[]> message = claimed.get(0);
            boolean fromAnother = !queue.consumerName().equals(pending.getConsumer());
            int attempt = attemptOf(message) + (fromAnother ? (int) Math.min(1000, pending.getRedeliveryCount()) : 0);
            log.info("Claimed refresh task {} of {} from consumer {} (idle {} ms); attempt {}", id, state.stream,
                    pending.getConsumer(), pending.getMsSinceLastDelivery(), attempt);
            dispatch(state, message, attempt, fromAnother);
        }
    }

    // ------------------------------------------------------------------ delayed retries

    /** Moves due retries of every consumed stream into the stream. Runs on the runtime's scheduler. */
    private void moveDueRetries() {
        if (stopping.getCount() == 0) {
            return;
        }
        for (StreamState state : streams.values()) {
            byte[][] keys = {state.key, RedisRefreshQueue.bytes(state.stream + RedisRefreshQueue.DELAYED_SUFFIX)};
            try {
                Long moved = connector.call(r -> RedisConnector.eval(r, MOVE_DUE, ScriptOutputType.INTEGER, keys,
                        ascii(context.clock().millis()), ascii(DELAYED_BATCH), ascii(queue.maxLength())));
                if (moveFailing.get() && moveFailing.compareAndSet(true, false)) {
                    log.info("Redis refresh worker {} moves due retries of {} again", queue.consumerName(), state.stream);
                }
                if (moved != null && moved > 0) {
                    log.debug("Moved {} due retries into {}", moved, state.stream);
                }
            } catch (RuntimeException e) {
                if (moveFailing.compareAndSet(false, true)) {
                    log.warn("Redis refresh worker {} cannot move due retries into {} (tried again every {} ms): {}",
                            queue.consumerName(), state.stream, DELAYED_POLL_INTERVAL.toMillis(), e.toString());
                }
            }
        }
    }

    // ------------------------------------------------------------------ one delivery

    /** One entry handed to the worker engine. */
    private final class Delivery implements TaskDelivery {
        private final StreamState state;
        private final StreamMessage<byte[], byte[]> message;
        private final int attempt;
        private final byte[] raw;

        Delivery(StreamState state, StreamMessage<byte[], byte[]> message, int attempt) {
            this.state = state;
            this.message = message;
            this.attempt = attempt;
            this.raw = field(message.getBody(), RedisRefreshQueue.TASK_FIELD);
        }

        @Override
        public RefreshTask task() {
            if (raw == null) {
                throw new MalformedTaskException("entry " + message.getId() + " of " + state.stream
                        + " has no \"task\" field: it was not written by Cacheback", null);
            }
            return RefreshTask.fromBytes(raw);
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public void acknowledge() {
            byte[][] keys = {state.key};
            connector.call(r -> RedisConnector.eval(r, ACK, ScriptOutputType.INTEGER, keys, group, id()));
        }

        @Override
        public void retryAfter(Duration delay) {
            long due = context.clock().millis() + Math.max(0, delay.toMillis());
            byte[] head = (message.getId() + "\n" + (attempt + 1) + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] member = Arrays.copyOf(head, head.length + raw.length);
            System.arraycopy(raw, 0, member, head.length, raw.length);
            byte[][] keys = {state.key, RedisRefreshQueue.bytes(state.stream + RedisRefreshQueue.DELAYED_SUFFIX)};
            connector.call(r -> RedisConnector.eval(r, RETRY, ScriptOutputType.INTEGER, keys, group, id(),
                    ascii(due), member));
        }

        @Override
        public void deadLetter(String reason) {
            byte[][] keys = {state.key, RedisRefreshQueue.bytes(state.stream + RedisRefreshQueue.DEAD_SUFFIX)};
            connector.call(r -> RedisConnector.eval(r, DEAD, ScriptOutputType.INTEGER, keys, group, id(),
                    raw != null ? raw : new byte[0], RedisRefreshQueue.bytes(reason), ascii(attempt),
                    ascii(queue.maxLength()), RedisRefreshQueue.bytes(queue.consumerName()),
                    ascii(context.clock().millis())));
            log.error("Moved refresh entry {} of {} to {}: {}", message.getId(), state.stream,
                    state.stream + RedisRefreshQueue.DEAD_SUFFIX, reason.replace('\n', ' ').replace('\r', ' '));
        }

        /** A third of the claim idle time: the entry's idle time never reaches it while the task runs. */
        @Override
        public Duration heartbeatInterval() {
            return Duration.ofMillis(Math.max(10, queue.claimIdle().toMillis() / 3));
        }

        @Override
        public void heartbeat() {
            byte[][] keys = {state.key};
            connector.call(r -> RedisConnector.eval(r, HEARTBEAT, ScriptOutputType.INTEGER, keys, group,
                    RedisRefreshQueue.bytes(queue.consumerName()), id()));
        }

        private byte[] id() {
            return message.getId().getBytes(StandardCharsets.US_ASCII);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void failed(String what, RuntimeException e) {
        if (failing.compareAndSet(false, true)) {
            log.error("Redis refresh worker {} cannot {} on {}; trying again (logged again when it recovers): {}",
                    queue.consumerName(), what, connector.description(), e.toString());
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

    private static byte[] ascii(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] field(Map<byte[], byte[]> body, String name) {
        if (body == null) {
            return null;
        }
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (Map.Entry<byte[], byte[]> e : body.entrySet()) {
            if (Arrays.equals(e.getKey(), wanted)) {
                return e.getValue();
            }
        }
        return null;
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
     * stay pending and another worker claims them.
     */
    void stop(Duration timeout) {
        stopping.countDown();
        periodic.forEach(f -> f.cancel(false));
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
                        + "They stay pending and another worker claims them after {}", queue.consumerName(),
                        timeout, notStarted.size(), queue.claimIdle());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
        }
        log.info("Redis refresh worker {} stopped", queue.consumerName());
    }
}

package dev.cacheback.rabbitmq;

import com.rabbitmq.client.Channel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The queues this module declares and the headers it writes: one place, so that producers and
 * workers declare every queue with exactly the same arguments (a queue re-declared with different
 * arguments is refused by the broker with {@code PRECONDITION_FAILED}).
 *
 * <ul>
 *   <li>work queue {@code <name>}: durable, {@code x-max-priority = 10};</li>
 *   <li>dead-letter queue {@code <name>.dead}: durable, no arguments; the worker publishes poison
 *       tasks there itself, with the reason in {@link #REASON};</li>
 *   <li>wait queue {@code <name>.delay.<millis>} for the {@code delay} option: durable,
 *       {@code x-message-ttl = millis}, dead-lettering through the default exchange back to
 *       {@code <name>}. One wait queue per distinct delay, so that every message in it expires in
 *       order.</li>
 *   <li>retry queue {@code <name>.retry.<millis>} for a retry after a backoff: like a wait queue, with
 *       the backoff rounded up to a bucket ({@link #retryBucketMillis}) so that a few queues serve
 *       every backoff, and {@code x-expires} = millis + 60 s so that an idle one is deleted. RabbitMQ
 *       expires a message only at the head of its queue, hence one queue per bucket: every message
 *       in it has the same TTL and so expires in order.</li>
 * </ul>
 */
final class Topology {

    /** The highest priority a task may have; work queues are declared with it. */
    static final int MAX_PRIORITY = 10;
    /** Work queue names are at most this long, leaving room for the suffixes. */
    static final int MAX_NAME_BYTES = 200;

    /** Which attempt a delivery is: 1 (or absent) for the first, 2 for the first retry, and so on. */
    static final String ATTEMPTS = "x-cacheback-attempts";
    /** Why a task was dead-lettered. */
    static final String REASON = "x-cacheback-reason";
    /** The work queue a dead-lettered task came from. */
    static final String QUEUE = "x-cacheback-queue";
    /** When a task was dead-lettered, by the worker runtime's clock (ISO-8601). */
    static final String DEAD_AT = "x-cacheback-dead-lettered-at";
    /** The job name, for operators reading a queue (the worker reads the body, never this). */
    static final String JOB = "x-cacheback-job";
    /** The cache key, for operators reading a queue. */
    static final String KEY = "x-cacheback-key";

    private Topology() {
    }

    static String deadQueue(String queue) {
        return queue + ".dead";
    }

    static String waitQueue(String queue, Duration delay) {
        return queue + ".delay." + delay.toMillis();
    }

    static String retryQueue(String queue, long bucketMillis) {
        return queue + ".retry." + bucketMillis;
    }

    /** How long past its TTL an idle retry queue lives before the broker deletes it. */
    static final long RETRY_QUEUE_IDLE_MILLIS = 60_000;

    /**
     * The retry queue's TTL for {@code delay}: the delay in milliseconds (at least 1) rounded up to
     * keep its three highest bits, so never shorter than the delay and less than 25 % longer (a
     * 1 s backoff waits 1,024 ms, 1.2 s waits 1,280 ms, 20 ms waits 20 ms), and capped at RabbitMQ's
     * largest TTL.
     */
    static long retryBucketMillis(Duration delay) {
        long ms = Math.max(1, Math.min(MAX_TTL_MILLIS, delay.toMillis()));
        if (ms <= 4) {
            return ms;
        }
        int top = 63 - Long.numberOfLeadingZeros(ms);
        long step = 1L << (top - 2);
        return Math.min(MAX_TTL_MILLIS, (ms + step - 1) / step * step);
    }

    /** Message TTLs are unsigned 32-bit milliseconds in RabbitMQ. */
    static final long MAX_TTL_MILLIS = 0xFFFF_FFFFL;

    /**
     * Checks a work queue name: 1..200 UTF-8 bytes, printable, not starting with {@code amq.}.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static String requireQueueName(String name, String what) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        if (name.startsWith("amq.")) {
            throw new IllegalArgumentException(what + " \"" + name + "\" starts with \"amq.\", which RabbitMQ reserves");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException(what + " \"" + name + "\" is longer than " + MAX_NAME_BYTES
                    + " bytes (RabbitMQ allows 255, and this module appends suffixes such as \".dead\")");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new IllegalArgumentException(what + " \"" + name + "\" contains a control character");
            }
        }
        return name;
    }

    static void declareWork(Channel channel, String queue) throws IOException {
        channel.queueDeclare(queue, true, false, false, Map.of("x-max-priority", MAX_PRIORITY));
    }

    static void declareDead(Channel channel, String queue) throws IOException {
        channel.queueDeclare(deadQueue(queue), true, false, false, null);
    }

    static void declareWait(Channel channel, String queue, Duration delay) throws IOException {
        channel.queueDeclare(waitQueue(queue, delay), true, false, false, Map.of(
                "x-message-ttl", delay.toMillis(),
                "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", queue));
    }

    static void declareRetry(Channel channel, String queue, long bucketMillis) throws IOException {
        channel.queueDeclare(retryQueue(queue, bucketMillis), true, false, false, Map.of(
                "x-message-ttl", bucketMillis,
                "x-expires", bucketMillis + RETRY_QUEUE_IDLE_MILLIS,
                "x-dead-letter-exchange", "",
                "x-dead-letter-routing-key", queue));
    }

    /** The attempt a message is, from its attempts header: 1 when absent or unreadable. */
    static int attempt(Map<String, Object> headers) {
        if (headers == null) {
            return 1;
        }
        Object value = headers.get(ATTEMPTS);
        if (value instanceof Number n) {
            return Math.max(1, n.intValue());
        }
        return 1;
    }
}

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
 * </ul>
 */
final class Topology {

    /** The highest priority a task may have; work queues are declared with it. */
    static final int MAX_PRIORITY = 10;
    /** Work queue names are at most this long, leaving room for the suffixes. */
    static final int MAX_NAME_BYTES = 200;

    /** Deliveries of the task that did not complete before this one (absent: none). */
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

    /** The attempts header of a message, 0 when absent or unreadable. */
    static int attempts(Map<String, Object> headers) {
        if (headers == null) {
            return 0;
        }
        Object value = headers.get(ATTEMPTS);
        if (value instanceof Number n) {
            return Math.max(0, n.intValue());
        }
        return 0;
    }
}

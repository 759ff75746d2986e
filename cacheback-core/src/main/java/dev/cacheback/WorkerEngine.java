package dev.cacheback;

import dev.cacheback.internal.LogText;
import dev.cacheback.spi.MalformedTaskException;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskDelivery;
import dev.cacheback.spi.TaskResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The worker side of every refresh queue (DESIGN.md F3): runs one delivered task and decides, by the
 * runtime's {@link RetryPolicy}, whether its transport acknowledges it, delivers it again after a
 * backoff, or dead-letters it with a reason. Queues get it from
 * {@link dev.cacheback.spi.QueueContext#worker()} and call {@link #process} once per delivery; they
 * keep only their transport.
 *
 * <table>
 *   <caption>Outcome of a task and what becomes of it</caption>
 *   <tr><th>outcome</th><th>decision</th></tr>
 *   <tr><td>refreshed, expired, or stood for by another refresh of its key</td><td>acknowledge</td></tr>
 *   <tr><td>the refresh failed, attempts left</td><td>retry after the policy's backoff</td></tr>
 *   <tr><td>the refresh failed on its last attempt</td><td>dead-letter: "failed N times: …"</td></tr>
 *   <tr><td>unknown job, unreadable arguments, malformed bytes</td><td>dead-letter at once</td></tr>
 * </table>
 *
 * <p>While the refresh runs the engine keeps the key's lease (when the task carries one) and the
 * delivery alive with heartbeats, so a refresh slower than its {@code refreshTimeout} is neither
 * refreshed twice nor handed to a second worker (F1, F6). Thread-safe.
 */
public final class WorkerEngine {

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    /** What the engine told the transport to do with a delivery. */
    public enum Decision {
        /** {@link TaskDelivery#acknowledge()}. */
        ACKNOWLEDGED,
        /** {@link TaskDelivery#retryAfter(Duration)}. */
        RETRY_SCHEDULED,
        /** {@link TaskDelivery#deadLetter(String)}. */
        DEAD_LETTERED
    }

    /**
     * What became of one delivery.
     *
     * @param result   what the task's run gave (for a malformed delivery: {@link TaskResult.Outcome#REJECTED})
     * @param decision what the transport was told to do
     */
    public record Processed(TaskResult result, Decision decision) {
    }

    private final Cacheback runtime;
    private final RetryPolicy policy;

    WorkerEngine(Cacheback runtime, RetryPolicy policy) {
        this.runtime = runtime;
        this.policy = policy;
    }

    /** The policy deciding retries and dead letters. */
    public RetryPolicy retryPolicy() {
        return policy;
    }

    /**
     * Runs the delivered task in the calling thread and settles the delivery. Never throws for the
     * task's own failure; an exception from the transport's settle call ({@code acknowledge},
     * {@code retryAfter}, {@code deadLetter}) propagates, and the transport must then leave the task
     * to be delivered again.
     */
    public Processed process(TaskDelivery delivery) {
        Objects.requireNonNull(delivery, "delivery");
        RefreshTask task;
        try {
            task = delivery.task();
        } catch (MalformedTaskException e) {
            String reason = "malformed task: " + e.getMessage();
            log.error("Dead-lettering a delivery that is not a refresh task: {}", LogText.escape(e.getMessage()));
            delivery.deadLetter(reason);
            return new Processed(TaskResult.rejected(reason, e), Decision.DEAD_LETTERED);
        }
        Instrumentation instrumentation = runtime.instrumentation();
        if (instrumentation == Instrumentation.NONE) {
            TaskResult result = runtime.runTask(task, delivery);
            return new Processed(result, settle(delivery, task, result));
        }
        return observedProcess(instrumentation, delivery, task);
    }

    /** {@link #process} inside the runtime's {@link Instrumentation#refresh} observation. */
    private Processed observedProcess(Instrumentation instrumentation, TaskDelivery delivery, RefreshTask task) {
        String job = runtime.job(task.jobName()).isPresent() ? task.jobName() : "unknown";
        String queue = task.options().queue() != null ? task.options().queue() : RefreshQueue.DEFAULT_QUEUE;
        try (Instrumentation.Observed observation = instrumentation.refresh(job, queue, task.traceContext(),
                delivery.attempt())) {
            try {
                TaskResult result = runtime.runTask(task, delivery);
                observation.tag("outcome", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
                if (result.error() != null) {
                    observation.error(result.error());
                }
                Decision decision = settle(delivery, task, result);
                observation.tag("decision", decision.name().toLowerCase(java.util.Locale.ROOT));
                return new Processed(result, decision);
            } catch (RuntimeException | Error e) {
                observation.error(e);
                throw e;
            }
        }
    }

    private Decision settle(TaskDelivery delivery, RefreshTask task, TaskResult result) {
        switch (result.outcome()) {
            case DONE, SKIPPED -> {
                delivery.acknowledge();
                return Decision.ACKNOWLEDGED;
            }
            case EXPIRED -> {
                runtime.listener().onTaskDropped(task.jobName(), task.key(), result.reason());
                delivery.acknowledge();
                return Decision.ACKNOWLEDGED;
            }
            case FAILED -> {
                int attempt = delivery.attempt();
                if (policy.shouldRetry(attempt)) {
                    Duration backoff = policy.backoff(attempt, ThreadLocalRandom.current().nextDouble());
                    log.warn("Refresh of {} key {} failed on attempt {} of {}; trying again in {} ms: {}",
                            LogText.escape(task.jobName()), LogText.escape(task.key()), attempt, policy.maxAttempts(),
                            backoff.toMillis(), LogText.escape(result.reason()));
                    delivery.retryAfter(backoff);
                    return Decision.RETRY_SCHEDULED;
                }
                String reason = "failed " + attempt + (attempt == 1 ? " time: " : " times: ") + result.reason();
                log.error("Dead-lettering refresh of {} key {}: {}", LogText.escape(task.jobName()),
                        LogText.escape(task.key()), LogText.escape(reason));
                runtime.listener().onTaskDropped(task.jobName(), task.key(), reason);
                delivery.deadLetter(reason);
                return Decision.DEAD_LETTERED;
            }
            default -> {
                runtime.listener().onTaskDropped(task.jobName(), task.key(), result.reason());
                delivery.deadLetter(result.reason());
                return Decision.DEAD_LETTERED;
            }
        }
    }
}

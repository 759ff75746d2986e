package dev.cacheback.test;

import dev.cacheback.CachebackListener;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskHandler;
import dev.cacheback.spi.TaskResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The contract every {@link RefreshQueue} passes against its real broker: tasks arrive intact and
 * once each, a failing task does not stop the worker, unknown options are refused, closing is clean,
 * and a job's stale read is refreshed through the queue end to end.
 *
 * <p>Extend it and implement {@link #newQueue(String)}: a fresh, unopened queue that consumes in this
 * process (worker on), on a queue name unique to the test.
 */
public abstract class RefreshQueueContract {

    protected final String queueName = TestServers.uniquePrefix("contract");
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** A fresh, unopened queue on the real broker whose worker consumes in this process. */
    protected abstract RefreshQueue newQueue(String queueName);

    /** An option this queue does not honour, for the rejection test. */
    protected TaskOptions unhonouredOptions() {
        return TaskOptions.fromMap(Map.of("no-such-option", "1"));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** Opens a fresh queue with {@code handler} as its worker's handler. */
    protected RefreshQueue open(TaskHandler handler, CachebackListener listener) {
        RefreshQueue queue = newQueue(queueName);
        toClose.add(queue);
        queue.open(new QueueContext() {
            @Override
            public TaskHandler handler() {
                return handler;
            }

            @Override
            public Clock clock() {
                return Clock.systemUTC();
            }

            @Override
            public CachebackListener listener() {
                return listener;
            }
        });
        return queue;
    }

    protected static RefreshTask task(String key) {
        return new RefreshTask("contract.job", key, ("\"" + key + "\"").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Map.of("entity", "Thing"), TaskOptions.none(), Instant.now());
    }

    @Test
    void anEnqueuedTaskReachesTheHandlerIntact() {
        List<RefreshTask> received = new CopyOnWriteArrayList<>();
        RefreshQueue queue = open(t -> {
            received.add(t);
            return TaskResult.done();
        }, CachebackListener.NONE);
        RefreshTask sent = task("intact");
        assertThat(queue.enqueue(sent)).isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> !received.isEmpty());
        RefreshTask got = received.get(0);
        assertThat(got.jobName()).isEqualTo(sent.jobName());
        assertThat(got.key()).isEqualTo(sent.key());
        assertThat(got.args()).isEqualTo(sent.args());
        assertThat(got.init()).isEqualTo(sent.init());
        assertThat(got.createdAt()).isEqualTo(sent.createdAt());
    }

    @Test
    void everyTaskIsHandledExactlyOnce() {
        Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        RefreshQueue queue = open(t -> {
            seen.computeIfAbsent(t.key(), k -> new AtomicInteger()).incrementAndGet();
            return TaskResult.done();
        }, CachebackListener.NONE);
        for (int i = 0; i < 50; i++) {
            assertThat(queue.enqueue(task("k" + i))).isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 50);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> seen.values().stream().allMatch(c -> c.get() == 1));
    }

    @Test
    void aFailingTaskDoesNotStopTheWorker() {
        List<String> done = new CopyOnWriteArrayList<>();
        RefreshQueue queue = open(t -> {
            if (t.key().equals("poison")) {
                throw new IllegalStateException("handler blew up");
            }
            done.add(t.key());
            return TaskResult.done();
        }, CachebackListener.NONE);
        queue.enqueue(task("poison"));
        queue.enqueue(task("after"));
        await().atMost(Duration.ofSeconds(30)).until(() -> done.contains("after"));
    }

    @Test
    void optionsTheQueueDoesNotHonourAreRefusedByName() {
        RefreshQueue queue = open(t -> TaskResult.done(), CachebackListener.NONE);
        TaskOptions bad = unhonouredOptions();
        String name = bad.unknown().isEmpty() ? bad.present().iterator().next().label() : bad.unknown().keySet().iterator().next();
        assertThatThrownBy(() -> queue.validate(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name);
    }

    @Test
    void closeIsIdempotentAndAClosedQueueRefusesTasks() {
        RefreshQueue queue = open(t -> TaskResult.done(), CachebackListener.NONE);
        queue.close();
        queue.close();
        assertThatThrownBy(() -> queue.enqueue(task("late"))).isInstanceOf(RefreshQueueException.class);
    }

    @Test
    void aStaleReadIsRefreshedThroughTheQueue() {
        TestClock clock = new TestClock(Instant.now());
        RefreshQueue queue = newQueue(queueName);
        try (Cacheback cacheback = Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory()).queue(queue).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(queueName + ".e2e")
                    .lifetime(Duration.ofSeconds(10)).build());
            assertThat(job.get("e2e")).isEqualTo("e2e#1");
            clock.advance(Duration.ofSeconds(11));
            assertThat(job.get("e2e")).isEqualTo("e2e#1");
            await().atMost(Duration.ofSeconds(20)).until(() -> job.rawGet("e2e").orElseThrow().data().equals("e2e#2"));
            assertThat(job.get("e2e")).isEqualTo("e2e#2");
            assertThat(job.fetches()).isEqualTo(2);
        }
    }
}

package dev.cacheback.test;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.RetryPolicy;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.DeadLetter;
import dev.cacheback.spi.QueueState;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The contract every {@link RefreshQueue} passes against its real broker (DESIGN.md F3–F6), through
 * a real runtime and the {@link dev.cacheback.WorkerEngine}: a stale read is refreshed end to end;
 * every task runs once; a failing refresh is retried after the backoff and dead-lettered with its
 * reason after its last attempt; a task for an unknown job is dead-lettered at once; tasks waiting
 * before the worker starts are run, not dead-lettered; a refresh slower than its lease is never run
 * twice at once; a dead letter is listed with its job, key, reason and attempts, and re-queued (one
 * by its id, or all) runs again while the dead-letter count drops; a {@code set} or {@code delete} made while a refresh is in flight wins; options the
 * queue does not honour are refused by name; closing is clean.
 *
 * <p>Extend it and implement {@link #newQueue(String)} (a fresh, unopened queue that consumes
 * {@code queueName} in this process, its worker deferred until {@link Cacheback#startWorkers()} where
 * the queue can defer) and {@link #deadLetterReasons(String, RefreshQueue)}. Faults that need a private server
 * (a broker restarted under a backlog, a worker killed mid-task) are each module's own tests.
 */
public abstract class RefreshQueueContract {

    protected final String queueName = TestServers.uniquePrefix("contract");
    private final List<AutoCloseable> toClose = new ArrayList<>();

    /** A fresh, unopened queue on the real broker whose worker consumes {@code queueName} in this process. */
    protected abstract RefreshQueue newQueue(String queueName);

    /** The reasons of the tasks dead-lettered so far from {@code queueName}, read from the broker. */
    protected abstract List<String> deadLetterReasons(String queueName, RefreshQueue queue);

    /** Whether the queue's worker waits for {@link Cacheback#startWorkers()} (broker queues); the in-process one does not. */
    protected boolean defersWorkerStart() {
        return true;
    }

    /** An option this queue does not honour, for the rejection test. */
    protected TaskOptions unhonouredOptions() {
        return TaskOptions.fromMap(Map.of("no-such-option", "1"));
    }

    /** Retries fast enough for a test on real time: 3 attempts, 20 ms then 40 ms. */
    protected RetryPolicy retryPolicy() {
        return RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(20))
                .maxBackoff(Duration.ofMillis(200)).jitter(0).build();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** A runtime on the real clock with an in-memory cache and a fresh queue (not yet started). */
    protected Cacheback runtime() {
        RefreshQueue queue = newQueue(queueName);
        Cacheback cacheback = Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(queue)
                .retryPolicy(retryPolicy()).build();
        toClose.add(cacheback);
        return cacheback;
    }

    protected CountingJob job(Cacheback cacheback, String name, Duration lifetime, Duration refreshTimeout) {
        return new CountingJob(cacheback, JobSettings.builder().name(queueName + "." + name).lifetime(lifetime)
                .refreshTimeout(refreshTimeout).build());
    }

    @Test
    void aStaleReadIsRefreshedThroughTheQueue() {
        TestClock clock = new TestClock(Instant.now());
        RefreshQueue queue = newQueue(queueName);
        try (Cacheback cacheback = Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory()).queue(queue).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(queueName + ".e2e")
                    .lifetime(Duration.ofSeconds(10)).build());
            cacheback.startWorkers();
            assertThat(job.get("e2e")).isEqualTo("e2e#1");
            clock.advance(Duration.ofSeconds(11));
            assertThat(job.get("e2e")).isEqualTo("e2e#1");
            await().atMost(Duration.ofSeconds(20)).until(() -> job.rawGet("e2e").orElseThrow().data().equals("e2e#2"));
            assertThat(job.get("e2e")).isEqualTo("e2e#2");
            assertThat(job.fetches()).isEqualTo(2);
        }
    }

    @Test
    void everyTaskIsRunExactlyOnce() {
        Cacheback cacheback = runtime();
        CountingJob job = job(cacheback, "once", Duration.ofMinutes(10), Duration.ofMinutes(1));
        cacheback.startWorkers();
        for (int i = 0; i < 40; i++) {
            job.asyncRefresh("k" + i);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> job.fetches() == 40);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> job.fetches() == 40);
        for (int i = 0; i < 40; i++) {
            assertThat(job.rawGet("k" + i)).isPresent();
        }
    }

    @Test
    void aFailingRefreshIsRetriedAfterItsBackoffThenDeadLetteredWithItsReason() {
        Cacheback cacheback = runtime();
        CountingJob job = job(cacheback, "poison", Duration.ofMinutes(10), Duration.ofMinutes(1));
        job.failWith(new IllegalStateException("source is down"));
        cacheback.startWorkers();
        job.asyncRefresh("p");
        RefreshQueue queue = cacheback.queue();
        await().atMost(Duration.ofSeconds(30)).until(() -> !deadLetterReasons(queueName, queue).isEmpty());
        assertThat(job.fetches()).isEqualTo(3);
        assertThat(deadLetterReasons(queueName, queue)).singleElement().asString()
                .contains("failed 3 times").contains("source is down");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> job.fetches() == 3);
    }

    @Test
    void aDeadLetterIsListedThenReQueuedItRunsAndTheDeadCountDrops() {
        Cacheback cacheback = runtime();
        CountingJob job = job(cacheback, "requeue", Duration.ofMinutes(10), Duration.ofMinutes(1));
        job.failWith(new IllegalStateException("source is down"));
        cacheback.startWorkers();
        RefreshQueue queue = cacheback.queue();
        job.asyncRefresh("r1");
        job.asyncRefresh("r2");
        await().atMost(Duration.ofSeconds(30)).until(() -> queue.deadLetters(10).size() == 2);
        assertThat(deadCount(queue)).isEqualTo(2);
        List<DeadLetter> dead = queue.deadLetters(10);
        DeadLetter first = dead.stream().filter(d -> d.key().equals(job.key("r1"))).findFirst().orElseThrow();
        assertThat(first.jobName()).isEqualTo(job.name());
        assertThat(first.reason()).contains("failed 3 times").contains("source is down");
        assertThat(first.attempts()).isEqualTo(3);
        assertThat(queue.deadLetters(1)).hasSize(1);
        assertThat(job.fetches()).isEqualTo(6);

        job.failWith(null);
        assertThat(queue.requeue(first.id())).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> job.rawGet("r1").isPresent());
        assertThat(job.rawGet("r1").orElseThrow().data()).isEqualTo("r1#7");
        assertThat(queue.deadLetters(10)).singleElement().extracting(DeadLetter::key).isEqualTo(job.key("r2"));
        assertThat(deadCount(queue)).isEqualTo(1);
        assertThat(queue.requeue(first.id())).as("a dead letter is re-queued once").isFalse();

        assertThat(queue.requeueAll()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> job.rawGet("r2").isPresent());
        assertThat(queue.deadLetters(10)).isEmpty();
        assertThat(deadCount(queue)).isZero();
        assertThat(job.fetches()).isEqualTo(8);
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.state().stream().allMatch(q -> q.inFlight() == 0));
    }

    /** The dead letters every queue of {@code queue} reports holding. */
    private static long deadCount(RefreshQueue queue) {
        List<QueueState> states = queue.state();
        assertThat(states).as("queue state of " + queue.describe()).isNotEmpty();
        return states.stream().mapToLong(QueueState::deadLetters).sum();
    }

    @Test
    void aRefreshThatFailsOnceSucceedsOnItsRetry() {
        Cacheback cacheback = runtime();
        CountingJob job = job(cacheback, "flaky", Duration.ofMinutes(10), Duration.ofMinutes(1));
        job.failNext(1);
        cacheback.startWorkers();
        job.asyncRefresh("f");
        await().atMost(Duration.ofSeconds(30)).until(() -> job.rawGet("f").isPresent());
        assertThat(job.rawGet("f").orElseThrow().data()).isEqualTo("f#2");
        assertThat(deadLetterReasons(queueName, cacheback.queue())).isEmpty();
    }

    @Test
    void aTaskForAJobThisWorkerLacksIsDeadLetteredAtOnce() {
        Cacheback cacheback = runtime();
        cacheback.startWorkers();
        RefreshTask task = new RefreshTask("contract.no-such-job\n[forged] line", "contract.no-such-job:1",
                "\"x\"".getBytes(StandardCharsets.UTF_8), Map.of(), TaskOptions.none(), Instant.now());
        cacheback.queue().enqueue(task);
        await().atMost(Duration.ofSeconds(30)).until(() -> !deadLetterReasons(queueName, cacheback.queue()).isEmpty());
        assertThat(deadLetterReasons(queueName, cacheback.queue())).singleElement().asString()
                .contains("no job named").doesNotContain("\n");
    }

    @Test
    void tasksWaitingBeforeTheWorkerStartsAreRunNotDeadLettered() {
        Assumptions.assumeTrue(defersWorkerStart(), "this queue's worker runs from the start");
        Cacheback cacheback = runtime();
        String name = queueName + ".early";
        for (int i = 0; i < 5; i++) {
            cacheback.queue().enqueue(new RefreshTask(name, name + ":" + i,
                    ("\"e" + i + "\"").getBytes(StandardCharsets.UTF_8), Map.of(), TaskOptions.none(), Instant.now()));
        }
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(name).build());
        cacheback.startWorkers();
        await().atMost(Duration.ofSeconds(30)).until(() -> job.fetches() == 5);
        assertThat(deadLetterReasons(queueName, cacheback.queue())).isEmpty();
    }

    /**
     * A backend shared by the runtimes of {@code aRefreshSlowerThanItsLeaseIsNeverRunTwiceAtOnceAcrossThreeProcesses} as
     * processes share a cache server: called once per runtime, each result opened by its own runtime.
     * Default: views of one in-memory backend (opened once). Broker modules may return a backend on
     * their real server.
     */
    protected CacheBackend sharedCache() {
        if (sharedMemory == null) {
            sharedMemory = CacheBackend.inMemory();
        }
        CacheBackend shared = sharedMemory;
        boolean first = !sharedMemoryOpened;
        sharedMemoryOpened = true;
        return new ForwardingCacheBackend(shared) {
            @Override
            public void open(dev.cacheback.spi.BackendContext context) {
                if (first) {
                    super.open(context);
                }
            }

            @Override
            public void close() {
                // the first runtime's view owns it; closing one view must not empty the others
            }
        };
    }

    private CacheBackend sharedMemory;
    private boolean sharedMemoryOpened;

    /** A job whose fetches, across every instance made with the same counters, are counted together. */
    static final class SharedSlowJob extends dev.cacheback.Job<String, String> {
        private final java.util.concurrent.atomic.AtomicInteger fetches;
        private final java.util.concurrent.atomic.AtomicInteger inFlight;
        private final java.util.concurrent.atomic.AtomicInteger maxInFlight;
        private final long millis;

        SharedSlowJob(Cacheback cacheback, JobSettings settings, java.util.concurrent.atomic.AtomicInteger fetches,
                      java.util.concurrent.atomic.AtomicInteger inFlight, java.util.concurrent.atomic.AtomicInteger maxInFlight,
                      long millis) {
            super(cacheback, settings);
            this.fetches = fetches;
            this.inFlight = inFlight;
            this.maxInFlight = maxInFlight;
            this.millis = millis;
        }

        @Override
        protected String fetch(String args) throws Exception {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                int n = fetches.incrementAndGet();
                Thread.sleep(n == 1 ? 0 : millis); // the first fill is quick; refreshes are slower than the lease
                return args + "#" + n;
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    @Test
    void aRefreshSlowerThanItsLeaseIsNeverRunTwiceAtOnceAcrossThreeProcesses() throws Exception {
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
        JobSettings settings = JobSettings.builder().name(queueName + ".slow").lifetime(Duration.ofMillis(200))
                .refreshTimeout(Duration.ofMillis(300)).build();
        List<SharedSlowJob> jobs = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            Cacheback process = Cacheback.builder().cache("default", sharedCache()).queue(newQueue(queueName))
                    .retryPolicy(retryPolicy()).build();
            toClose.add(process);
            jobs.add(new SharedSlowJob(process, settings, fetches, inFlight, maxInFlight, 1_500));
            process.startWorkers();
        }
        jobs.get(0).get("s");
        Thread.sleep(250); // the entry goes stale on the real clock this test runs on
        AtomicBoolean reading = new AtomicBoolean(true);
        List<Thread> readers = new ArrayList<>();
        for (SharedSlowJob job : jobs) {
            Thread reader = new Thread(() -> {
                while (reading.get()) {
                    job.get("s");
                    Thread.onSpinWait();
                }
            });
            reader.start();
            readers.add(reader);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> fetches.get() >= 3);
        reading.set(false);
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(maxInFlight.get()).as("refreshes of one key running at once").isEqualTo(1);
    }

    @Test
    void aSetMadeWhileARefreshIsInFlightWins() throws Exception {
        Cacheback cacheback = runtime();
        CountingJob job = job(cacheback, "set", Duration.ofMinutes(10), Duration.ofMinutes(1));
        cacheback.startWorkers();
        job.get("a");
        job.closeGate();
        job.asyncRefresh("a");
        await().atMost(Duration.ofSeconds(20)).until(() -> inFlight(job));
        job.set("a", "written by set");
        job.openGate();
        await().atMost(Duration.ofSeconds(20)).until(() -> job.fetches() == 2);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> "written by set".equals(job.rawGet("a").orElseThrow().data()));
    }

    @Test
    void aDeleteMadeWhileARefreshIsInFlightWins() throws Exception {
        Cacheback cacheback = runtime();
        CountingJob job = job(cacheback, "delete", Duration.ofMinutes(10), Duration.ofMinutes(1));
        cacheback.startWorkers();
        job.get("d");
        job.closeGate();
        job.asyncRefresh("d");
        await().atMost(Duration.ofSeconds(20)).until(() -> inFlight(job));
        job.delete("d");
        job.openGate();
        await().atMost(Duration.ofSeconds(20)).until(() -> job.fetches() == 2);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> job.rawGet("d").isEmpty());
    }

    private static boolean inFlight(CountingJob job) {
        return job.fetchesInFlight() > 0;
    }

    @Test
    void optionsTheQueueDoesNotHonourAreRefusedByName() {
        RefreshQueue queue = runtime().queue();
        TaskOptions bad = unhonouredOptions();
        String name = bad.unknown().isEmpty() ? bad.present().iterator().next().label() : bad.unknown().keySet().iterator().next();
        assertThatThrownBy(() -> queue.validate(bad)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name);
    }

    @Test
    void closeIsIdempotentAndAClosedQueueRefusesTasks() {
        RefreshQueue queue = runtime().queue();
        queue.close();
        queue.close();
        assertThatThrownBy(() -> queue.enqueue(task("late"))).isInstanceOf(RefreshQueueException.class);
    }

    protected RefreshTask task(String key) {
        return new RefreshTask(queueName + ".job", key, ("\"" + key + "\"").getBytes(StandardCharsets.UTF_8),
                Map.of("entity", "Thing"), TaskOptions.none(), Instant.now());
    }
}

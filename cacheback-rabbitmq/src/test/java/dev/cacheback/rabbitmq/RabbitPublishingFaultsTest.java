package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TcpProxy;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Enqueue off the caller's path (DESIGN.md F5, issue 12 item 6) against the real broker, faults made with
 * the test kit's {@link TcpProxy}: a frozen broker costs callers no wait, the number of tasks awaiting a
 * confirm is bounded, an unroutable task is counted, and a stale read costs about what a hit costs.
 */
class RabbitPublishingFaultsTest {

    private Broker broker;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        broker = Broker.connect();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        broker.close();
    }

    private <T extends AutoCloseable> T closing(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private static RefreshTask task(String key) {
        return new RefreshTask("faults.job", key, ("\"" + key + "\"").getBytes(StandardCharsets.UTF_8), Map.of(),
                TaskOptions.none(), Instant.now());
    }

    @Test
    void aFrozenBrokerCostsCallersNoWaitAndEnqueuesResumeWhenItAnswers() throws Exception {
        String q = broker.newQueue("frozen");
        TcpProxy proxy = closing(new TcpProxy(Broker.host(), Broker.port()));
        Duration publishTimeout = Duration.ofSeconds(1);
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uriOnPort(proxy.port())).defaultQueue(q)
                .publishTimeout(publishTimeout).probeInterval(Duration.ofMillis(250)).build();
        RecordingListener listener = new RecordingListener();
        TimedQueue timed = new TimedQueue(queue);
        Cacheback cacheback = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).listener(listener)
                .queue(timed).build());
        // entries go stale 100 ms after a refresh and are marked for 200 ms: most reads below are stale reads
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("frozen.job")
                .lifetime(Duration.ofMillis(100)).refreshTimeout(Duration.ofMillis(200)).build());
        int keys = 5_000;
        for (int i = 0; i < keys; i++) {
            job.get("k" + i);
        }
        Thread.sleep(150);
        job.get("k0");
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.publishCounts().confirmed() == 1);

        proxy.freeze();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong calls = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicLong longestNanos = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    String key = "k" + Math.floorMod(next.getAndIncrement(), keys);
                    long start = System.nanoTime();
                    try {
                        job.get(key);
                    } catch (RuntimeException e) {
                        failures.incrementAndGet();
                    }
                    longestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    calls.incrementAndGet();
                }
            }, "stale-reader-" + t);
            thread.start();
            threads.add(thread);
        }
        long frozenAt = System.nanoTime();
        Thread.sleep(5_000);
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        long frozenNanos = System.nanoTime() - frozenAt;
        Publisher.Counts frozen = queue.publishCounts();
        System.out.printf("frozen broker, 8 threads, %.1f s: %d calls (mean %.2f ms per call and thread), %d caller "
                        + "exceptions, longest call %.1f ms, enqueue p50 %.0f µs p99 %.0f µs longest %.2f ms (%d enqueue calls, %d refused at once), "
                        + "stale reads %d, enqueued %d, refreshed synchronously %d, timed out %d, failing fast: %s%n",
                frozenNanos / 1e9, calls.get(), 8 * frozenNanos / 1e6 / calls.get(), failures.get(), longestNanos.get() / 1e6,
                timed.percentileMicros(50), timed.percentileMicros(99), timed.longestNanos.get() / 1e6, timed.calls.get(), timed.refused.get(),
                listener.count("stale.async") + listener.count("stale.sync"), listener.count("enqueued"),
                listener.count("fallback"), frozen.timedOut(), queue.isFailingFast());
        assertThat(failures.get()).isZero();
        assertThat(timed.longestNanos.get()).as("longest enqueue, ns").isLessThan(2 * publishTimeout.toNanos());
        assertThat(longestNanos.get()).as("longest call, ns").isLessThan(2 * publishTimeout.toNanos());
        assertThat(queue.isFailingFast()).isTrue();
        assertThat(frozen.timedOut()).isPositive();
        assertThat(listener.count("fallback")).as("stale reads refreshed in the caller once failing fast").isPositive();

        proxy.restore();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            long enqueued = listener.count("enqueued");
            long fallbacks = listener.count("fallback");
            Thread.sleep(300);
            job.get("k" + Math.floorMod(next.getAndIncrement(), keys));
            return !queue.isFailingFast() && listener.count("enqueued") > enqueued && listener.count("fallback") == fallbacks;
        });
        long confirmedBefore = queue.publishCounts().confirmed();
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.publishCounts().confirmed() > confirmedBefore
                || queue.publishCounts().inFlight() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.publishCounts().inFlight() == 0);
        System.out.printf("after restore: %s; %d tasks in the queue (those that timed out were held by the frozen "
                + "connection and arrived after all)%n", queue.publishCounts(), broker.messageCount(q));
    }

    /** A queue that times every enqueue of the queue it wraps. */
    static final class TimedQueue implements dev.cacheback.spi.RefreshQueue {
        final dev.cacheback.spi.RefreshQueue delegate;
        final AtomicLong longestNanos = new AtomicLong();
        final AtomicLong calls = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        private final java.util.concurrent.ConcurrentLinkedQueue<Long> samples = new java.util.concurrent.ConcurrentLinkedQueue<>();

        TimedQueue(dev.cacheback.spi.RefreshQueue delegate) {
            this.delegate = delegate;
        }

        @Override
        public void open(dev.cacheback.spi.QueueContext context) {
            delegate.open(context);
        }

        @Override
        public boolean enqueue(RefreshTask task) {
            long start = System.nanoTime();
            try {
                return delegate.enqueue(task);
            } catch (RefreshQueueException e) {
                refused.incrementAndGet();
                throw e;
            } finally {
                long took = System.nanoTime() - start;
                calls.incrementAndGet();
                samples.add(took);
                longestNanos.accumulateAndGet(took, Math::max);
            }
        }

        /** The {@code p}-th percentile (0 to 100) of the enqueue times so far, in microseconds. */
        double percentileMicros(double p) {
            long[] all = samples.stream().mapToLong(Long::longValue).sorted().toArray();
            return all.length == 0 ? 0 : all[(int) Math.min(all.length - 1, Math.floor(p / 100 * all.length))] / 1000.0;
        }

        @Override
        public void validate(TaskOptions options) {
            delegate.validate(options);
        }

        @Override
        public void startWorker() {
            delegate.startWorker();
        }

        @Override
        public String describe() {
            return delegate.describe();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    @Test
    void pastMaxUnconfirmedEnqueueThrowsAtOnceAndTheCallerRefreshesItself() throws Exception {
        String q = broker.newQueue("unconfirmed");
        TcpProxy proxy = closing(new TcpProxy(Broker.host(), Broker.port()));
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uriOnPort(proxy.port())).defaultQueue(q)
                .maxUnconfirmed(2).publishTimeout(Duration.ofSeconds(30)).build();
        closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(queue).build());
        queue.enqueue(task("warm"));
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.publishCounts().confirmed() == 1);

        proxy.freeze();
        assertThat(queue.enqueue(task("a"))).isTrue();
        assertThat(queue.enqueue(task("b"))).isTrue();
        long start = System.nanoTime();
        assertThatThrownBy(() -> queue.enqueue(task("c"))).isInstanceOf(RefreshQueueException.class)
                .hasMessageContaining("2 refresh tasks already await").hasMessageContaining("maxUnconfirmed");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(queue.publishCounts().inFlight()).isEqualTo(2);

        proxy.restore();
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.publishCounts().inFlight() == 0);
        assertThat(queue.publishCounts().confirmed()).isEqualTo(3);
        assertThat(queue.enqueue(task("d"))).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(q) == 4);
    }

    @Test
    void aTaskForADeletedQueueIsReturnedCountedAndTheQueueDeclaredAgain() throws Exception {
        String q = broker.newQueue("returned");
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).build();
        closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(queue).build());
        queue.enqueue(task("first"));
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(q) == 1);
        broker.channel().queueDelete(q);

        queue.enqueue(task("lost"));
        await().atMost(Duration.ofSeconds(10)).until(() -> queue.publishCounts().returned() == 1);
        queue.enqueue(task("next"));
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.exists(q) && broker.messageCount(q) == 1);
        assertThat(RefreshTask.fromBytes(broker.get(q).getBody()).key()).isEqualTo("next");
    }

    /**
     * Not an assertion: what a stale read costs on RabbitMQ next to a hit, and next to a stale read on a
     * queue that takes tasks and does nothing, all on the in-memory cache so that only the queue differs (a
     * stale read takes the lease, re-stores the entry, encodes the task and enqueues).
     */
    @Test
    void measureAStaleReadAgainstAHit() throws Exception {
        String q = broker.newQueue("cost");
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).maxUnconfirmed(100_000).build();
        TimedQueue timedRabbit = new TimedQueue(queue);
        double[] rabbit = measure(timedRabbit, queue);
        assertThat(queue.publishCounts().confirmed()).isEqualTo(3L * COST_READS);
        TimedQueue timedNothing = new TimedQueue(new dev.cacheback.spi.RefreshQueue() {
            @Override
            public void open(dev.cacheback.spi.QueueContext context) {
            }

            @Override
            public boolean enqueue(RefreshTask task) {
                task.toBytes();
                return true;
            }

            @Override
            public void validate(TaskOptions options) {
            }

            @Override
            public void close() {
            }
        });
        double[] nothing = measure(timedNothing, null);
        System.out.printf("cost of a read, %d reads each, third round: hit %.1f µs; stale read on RabbitMQ %.1f µs (%.1f× "
                        + "the hit; caller CPU %.1f µs; its enqueue p50 %.1f µs, p99 %.1f µs); stale read on a queue that "
                        + "only encodes the task %.1f µs (caller CPU %.1f µs; hit there %.1f µs; enqueue p50 %.1f µs, p99 "
                        + "%.1f µs); %s%n", COST_READS,
                rabbit[0] / 1000, rabbit[1] / 1000, rabbit[1] / rabbit[0], rabbit[2] / 1000, timedRabbit.percentileMicros(50),
                timedRabbit.percentileMicros(99), nothing[1] / 1000, nothing[2] / 1000, nothing[0] / 1000,
                timedNothing.percentileMicros(50), timedNothing.percentileMicros(99), queue.publishCounts());
    }

    private static final int COST_READS = 5_000;

    /** {hit, stale read, the caller's CPU time per stale read} in nanoseconds, the third of three rounds. */
    private double[] measure(dev.cacheback.spi.RefreshQueue queue, RabbitRefreshQueue rabbit) {
        TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
        RecordingListener listener = new RecordingListener();
        Cacheback cacheback = closing(Cacheback.builder().clock(clock).cache("default", CacheBackend.inMemory(40_000, false))
                .listener(listener).queue(queue).build());
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("cost.job").lifetime(Duration.ofSeconds(10))
                .build());
        double[] result = new double[3];
        for (int round = 0; round < 3; round++) {
            String prefix = "r" + round + "-";
            for (int i = 0; i < COST_READS; i++) {
                job.get(prefix + i);
            }
            long start = System.nanoTime();
            for (int i = 0; i < COST_READS; i++) {
                job.get(prefix + i);
            }
            result[0] = (System.nanoTime() - start) / (double) COST_READS;
            clock.advance(Duration.ofSeconds(11));
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu = threads.getCurrentThreadCpuTime();
            start = System.nanoTime();
            for (int i = 0; i < COST_READS; i++) {
                job.get(prefix + i);
            }
            result[1] = (System.nanoTime() - start) / (double) COST_READS;
            result[2] = (threads.getCurrentThreadCpuTime() - cpu) / (double) COST_READS;
            if (rabbit != null) {
                await().atMost(Duration.ofSeconds(30)).until(() -> rabbit.publishCounts().inFlight() == 0);
            }
        }
        assertThat(listener.count("fallback")).isZero();
        return result;
    }
}

package dev.cacheback;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ForwardingCacheBackend;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.Stampede;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@link Cacheback.Builder#markStaleInBackground}: a stale read returns after its read; the mark follows. */
class BackgroundMarkTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final RecordingListener events = new RecordingListener();

    /** Counts lease attempts, the round trip a background mark keeps off the reader. */
    static class CountingLeases extends ForwardingCacheBackend {
        final AtomicInteger marks = new AtomicInteger();

        CountingLeases() {
            super(CacheBackend.inMemory());
        }

        @Override
        protected void before(String operation) {
            if (operation.equals("tryLeaseAndSetIfVersion")) {
                marks.incrementAndGet();
            }
        }
    }

    @Test
    void aStaleReadReturnsItsDataBeforeTheMarkAndTheMarkFollowsOnTheDispatcher() {
        StepExecutor dispatcher = new StepExecutor();
        CountingLeases cache = new CountingLeases();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).cache("default", cache).queue(queue).listener(events)
                .markStaleInBackground(dispatcher).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("bg").lifetime(Duration.ofMinutes(1)).build());
            job.get("a");
            clock.advance(Duration.ofMinutes(2));
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(cache.marks).as("nothing but reads in the reader's thread").hasValue(0);
            assertThat(queue.enqueued()).isEmpty();
            assertThat(events.count("deduplicated")).as("the second reader found a mark in flight").isEqualTo(1);
            assertThat(dispatcher.runAll()).isEqualTo(1);
            assertThat(cache.marks).hasValue(1);
            assertThat(queue.enqueued()).singleElement().satisfies(t -> assertThat(t.leaseToken()).isNotNull());
            assertThat(job.rawGet("a").orElseThrow().expiry()).isEqualTo(clock.instant().plus(job.refreshTimeout()));
            queue.runPending();
            assertThat(job.get("a")).isEqualTo("a#2");
        }
    }

    @Test
    void aSetBeforeTheDispatchedMarkRunsWins() {
        StepExecutor dispatcher = new StepExecutor();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).markStaleInBackground(dispatcher).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("bg-set").lifetime(Duration.ofMinutes(1)).build());
            job.get("a");
            clock.advance(Duration.ofMinutes(2));
            job.get("a");
            job.set("a", "from set");
            dispatcher.runAll();
            assertThat(queue.enqueued()).as("the mark is conditional on the version the read saw").isEmpty();
            assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("from set");
        }
    }

    @Test
    void sixtyFourConcurrentStaleReadersMakeOneTask() throws Exception {
        ExecutorService dispatcher = Executors.newFixedThreadPool(2);
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).markStaleInBackground(dispatcher).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("bg-stampede").lifetime(Duration.ofMinutes(1)).build());
            job.get("a");
            clock.advance(Duration.ofMinutes(2));
            assertThat(Stampede.run(64, () -> job.get("a"))).containsOnly("a#1");
            await().atMost(Duration.ofSeconds(10)).until(() -> !queue.enqueued().isEmpty());
            dispatcher.shutdown();
            assertThat(dispatcher.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(queue.enqueued()).hasSize(1);
        }
    }

    @Test
    void aDispatcherThatRejectsLeavesTheMarkToTheReader() {
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).markStaleInBackground(command -> {
            throw new RejectedExecutionException("shut down");
        }).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("bg-rejected").lifetime(Duration.ofMinutes(1)).build());
            job.get("a");
            clock.advance(Duration.ofMinutes(2));
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(queue.enqueued()).hasSize(1);
        }
    }

    @Test
    void whileTheClockCopyTicksAStaleReadOnlyQueuesItsMarkAndATickHandsThemOverTogether() {
        StepExecutor steps = new StepExecutor();
        java.util.Set<String> handingThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger handOffs = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.Executor dispatcher = command -> {
            handingThreads.add(Thread.currentThread().getName());
            handOffs.incrementAndGet();
            steps.execute(command);
        };
        CountingLeases cache = new CountingLeases();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).clockTick(Duration.ofMillis(1)).cache("default", cache)
                .queue(queue).markStaleInBackground(dispatcher).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("bg-tick").lifetime(Duration.ofMinutes(1))
                    .earlyRefreshBeta(0).build());
            java.util.List<String> first = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                first.add(job.get("k" + i));
            }
            clock.advance(Duration.ofMinutes(2));
            await().atMost(Duration.ofSeconds(5)).until(() -> cacheback.hitMillis() == clock.millis());
            for (int i = 0; i < 50; i++) {
                assertThat(job.get("k" + i)).as("stale data answered").isEqualTo(first.get(i));
            }
            assertThat(cache.marks).as("nothing but reads in the reader's thread").hasValue(0);
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                steps.runAll();
                return queue.enqueued().size() == 50;
            });
            assertThat(handingThreads).as("marks are handed over by the ticks, never by a reader")
                    .containsOnly("cacheback-clock");
            assertThat(handOffs.get()).as("one hand-off per tick that found marks, not one per stale read")
                    .isLessThan(50);
            assertThat(cache.marks).hasValue(50);
        }
    }

    @Test
    void closingWaitsForABackgroundMarkInFlightBeforeClosingTheCacheAndTheQueue() throws Exception {
        AtomicInteger marksAtClose = new AtomicInteger(-1);
        CountingLeases slow = new CountingLeases() {
            @Override
            protected void before(String operation) {
                if (operation.equals("tryLeaseAndSetIfVersion")) {
                    java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L);   // a slow server
                }
                super.before(operation);
            }

            @Override
            public void close() {
                marksAtClose.set(marks.get());
                super.close();
            }
        };
        ExecutorService dispatcher = Executors.newSingleThreadExecutor();
        try {
            Cacheback cacheback = Cacheback.builder().clock(clock).cache("default", slow).queue(queue)
                    .markStaleInBackground(dispatcher).build();
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("bg-close").lifetime(Duration.ofMinutes(1)).build());
            job.get("a");
            clock.advance(Duration.ofMinutes(2));
            assertThat(job.get("a")).isEqualTo("a#1");
            cacheback.close();
            assertThat(marksAtClose).as("the mark had finished when the cache was closed").hasValue(1);
            assertThat(queue.enqueued()).hasSize(1);
        } finally {
            dispatcher.shutdownNow();
        }
    }
}

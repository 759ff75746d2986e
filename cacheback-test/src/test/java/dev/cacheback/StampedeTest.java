package dev.cacheback;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.Stampede;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** 64 threads released together at one key: exact counts of fetches and tasks. */
class StampedeTest {

    private final TestClock clock = new TestClock();
    private final RecordingListener events = new RecordingListener();
    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private Cacheback cacheback;

    @AfterEach
    void close() {
        if (cacheback != null) {
            cacheback.close();
        }
        workers.shutdownNow();
    }

    private Cacheback runtime(RefreshQueue queue) {
        cacheback = Cacheback.builder().clock(clock).queue(queue).listener(events).build();
        return cacheback;
    }

    @Test
    void sixtyFourCallersAtAMissingKeyShareOneFetch() throws Exception {
        CountingJob job = new CountingJob(runtime(new ManualRefreshQueue()), JobSettings.builder().name("miss").build());
        job.closeGate();
        AtomicInteger entered = new AtomicInteger();
        Thread opener = new Thread(() -> {
            await().atMost(Duration.ofSeconds(20)).until(() -> entered.get() == 64);
            await().pollDelay(Duration.ofMillis(100)).atMost(Duration.ofSeconds(5)).until(() -> true);
            job.openGate();
        });
        opener.start();
        List<String> seen = Stampede.run(64, () -> {
            entered.incrementAndGet();
            return job.get("cold");
        });
        opener.join();
        assertThat(seen).containsOnly("cold#1");
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(events.count("fetch")).isEqualTo(1);
    }

    @Test
    void sixtyFourCallersAtAMissingKeyWhoseFetchFailsAllGetTheException() {
        CountingJob job = new CountingJob(runtime(new ManualRefreshQueue()), JobSettings.builder().name("fail").build());
        job.failWith(new IllegalStateException("source down"));
        job.closeGate();
        java.util.concurrent.atomic.AtomicInteger calling = new java.util.concurrent.atomic.AtomicInteger();
        Thread opener = new Thread(() -> {
            // the failure is shared only by callers already waiting for the fetch: open once all 64 called
            await().atMost(Duration.ofSeconds(30)).until(() -> calling.get() == 64);
            await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
            job.openGate();
        });
        opener.start();
        List<String> seen = Stampede.run(64, () -> {
            calling.incrementAndGet();
            try {
                return job.get("cold");
            } catch (IllegalStateException e) {
                return e.getMessage();
            }
        });
        assertThat(seen).containsOnly("source down");
        assertThat(job.rawGet("cold")).isEmpty();
        assertThat(job.fetches()).isLessThanOrEqualTo(2);
    }

    @Test
    void sixtyFourReadersOfAStaleKeyMakeOneTaskAndOneFetchOnTheInProcessQueue() {
        CountingJob job = new CountingJob(runtime(RefreshQueue.inProcess(workers)),
                JobSettings.builder().name("stale").lifetime(Duration.ofSeconds(10)).build());
        job.get("hot");
        clock.advance(Duration.ofSeconds(11));
        List<String> seen = Stampede.run(64, () -> job.get("hot"));
        assertThat(seen).allMatch(v -> v.equals("hot#1") || v.equals("hot#2"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "hot#2".equals(job.rawGet("hot").orElseThrow().data()));
        assertThat(events.count("enqueued")).isEqualTo(1);
        assertThat(job.fetches()).isEqualTo(2);
    }

    @Test
    void sixtyFourReadersOfAMissingKeyWithoutFetchOnMissMakeOneTaskOnTheInProcessQueue() {
        CountingJob job = new CountingJob(runtime(RefreshQueue.inProcess(workers)),
                JobSettings.builder().name("async").fetchOnMiss(false).build());
        List<String> seen = Stampede.run(64, () -> job.get("cold"));
        assertThat(seen).allMatch(v -> v == null || v.equals("cold#1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "cold#1".equals(job.rawGet("cold").orElseThrow().data()));
        assertThat(events.count("enqueued")).isEqualTo(1);
        assertThat(job.fetches()).isEqualTo(1);
    }

    @Test
    void sixtyFourReadersOfAStaleKeyMakeExactlyOneTaskOnTheManualQueue() {
        ManualRefreshQueue queue = new ManualRefreshQueue();
        CountingJob job = new CountingJob(runtime(queue), JobSettings.builder().name("manual").lifetime(Duration.ofSeconds(10)).build());
        job.get("hot");
        clock.advance(Duration.ofSeconds(11));
        Stampede.run(64, () -> job.get("hot"));
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(events.count("deduplicated") + events.count("hit")).isEqualTo(63);
        queue.runPending();
        assertThat(job.fetches()).isEqualTo(2);
    }

    @Test
    void distinctKeysDoNotWaitForEachOther() {
        CountingJob job = new CountingJob(runtime(new ManualRefreshQueue()), JobSettings.builder().name("distinct").build());
        AtomicInteger n = new AtomicInteger();
        List<String> seen = Stampede.run(16, () -> job.get("k" + n.getAndIncrement()));
        assertThat(seen).hasSize(16).doesNotHaveDuplicates();
        assertThat(job.fetches()).isEqualTo(16);
    }

    @Test
    void aBackendThatStoresNothingStillSharesConcurrentFetches() {
        cacheback = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue()).verifyWrites(false)
                .cache("default", CacheBackend.dummy()).build();
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("dummy").build());
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.get("a")).isEqualTo("a#2");
    }
}

package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.TcpProxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Recovery without loss (DESIGN.md F6) against the real broker: a worker consuming a backlog through a
 * {@link TcpProxy} loses its connection for 5 s; once it is back, every task is done, none is left in the
 * queue or unacknowledged, none is dead-lettered. Tasks running at the cut are delivered again, so a key
 * may be refreshed twice (at least once, the store fenced by the entry's version).
 */
class RabbitRecoveryTest {

    private static final int BACKLOG = 1_000;

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

    @Test
    void aWorkerCutOffFor5sUnderABacklogDoesEveryTaskAndLeavesNothingBehind() throws Exception {
        String q = broker.newQueue("recovery");
        RabbitRefreshQueue producerQueue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(q).maxUnconfirmed(BACKLOG)
                .build();
        Cacheback producer = closing(Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(producerQueue).build());
        RecordingJob inProducer = new RecordingJob(producer, "recovery.job");
        for (int i = 0; i < BACKLOG; i++) {
            inProducer.asyncRefresh("k" + i);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> producerQueue.publishCounts().confirmed() == BACKLOG);
        assertThat(broker.messageCount(q)).isEqualTo(BACKLOG);

        TcpProxy proxy = closing(new TcpProxy(Broker.host(), Broker.port()));
        RabbitRefreshQueue workerQueue = RabbitRefreshQueue.builder(Broker.uriOnPort(proxy.port())).consume(q)
                .reconnectInterval(Duration.ofMillis(500)).deferWorkerStart().build();
        Cacheback worker = Cacheback.builder().cache("default", CacheBackend.inMemory(10_000, false)).queue(workerQueue)
                .build();
        toClose.add(worker);
        RecordingJob job = new RecordingJob(worker, JobSettings.builder().name("recovery.job").build());
        job.fetchTakes(3);
        worker.startWorkers();

        await().atMost(Duration.ofSeconds(30)).until(() -> job.done.size() >= BACKLOG / 5);
        proxy.cut();
        int atCut = job.done.size();
        long cutAt = System.nanoTime();
        Thread.sleep(5_000);
        int duringCut = job.done.size() - atCut;
        proxy.restore();
        long restoredAt = System.nanoTime();
        AtomicInteger firstAfter = new AtomicInteger(job.done.size());
        await().atMost(Duration.ofSeconds(30)).until(() -> job.done.size() > firstAfter.get());
        long resumedMillis = (System.nanoTime() - restoredAt) / 1_000_000;

        await().atMost(Duration.ofSeconds(60)).until(() -> job.perArgs.size() == BACKLOG && broker.messageCount(q) == 0);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10))
                .until(() -> job.fetchesInFlight() == 0 && broker.messageCount(q) == 0);
        worker.close(); // anything still unacknowledged would now return to the queue
        long twice = job.perArgs.values().stream().filter(n -> n.get() > 1).count();
        int most = job.perArgs.values().stream().mapToInt(AtomicInteger::get).max().orElse(0);
        System.out.printf("recovery: backlog %d, cut after %d done for 5 s (%d done during the cut), consuming again %d ms "
                        + "after restore, %d refreshes in all, %d keys refreshed twice (at most %d times), %d left in the "
                        + "queue, %d dead-lettered; cut to end %d ms%n", BACKLOG, atCut, duringCut, resumedMillis,
                job.done.size(), twice, most, broker.messageCount(q), broker.messageCount(Topology.deadQueue(q)),
                (System.nanoTime() - cutAt) / 1_000_000);

        assertThat(job.perArgs).hasSize(BACKLOG).allSatisfy((key, n) -> assertThat(n.get()).as(key).isBetween(1, 2));
        assertThat(twice).as("keys refreshed twice: only tasks running at the cut").isLessThanOrEqualTo(
                2L * RabbitRefreshQueueAccess.concurrency(workerQueue));
        assertThat(broker.messageCount(q)).as("left in the queue or unacknowledged").isZero();
        assertThat(broker.messageCount(Topology.deadQueue(q))).isZero();
        assertThat(resumedMillis).as("reconnect is bounded").isLessThan(10_000);
    }

    /** Reads the queue's settings (package-private). */
    static final class RabbitRefreshQueueAccess {
        static int concurrency(RabbitRefreshQueue queue) {
            return queue.config().concurrency() * queue.config().prefetch();
        }
    }
}

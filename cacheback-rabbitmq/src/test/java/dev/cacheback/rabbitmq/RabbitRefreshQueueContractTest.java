package dev.cacheback.rabbitmq;

import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.test.RefreshQueueContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The refresh-queue contract against the real broker, with the queue consuming in this process; dead
 * letters are read from {@code <queue>.dead} (and left there) by their {@code x-cacheback-reason} header.
 */
class RabbitRefreshQueueContractTest extends RefreshQueueContract {

    private Broker broker;
    private final List<RefreshQueue> made = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        broker = Broker.connect();
        broker.alsoDelete(queueName);
        // the contract's retry policy waits 20 ms, then 40 ms: the retry queues of those buckets
        broker.alsoDeleteQueue(Topology.retryQueue(queueName, Topology.retryBucketMillis(Duration.ofMillis(20))));
        broker.alsoDeleteQueue(Topology.retryQueue(queueName, Topology.retryBucketMillis(Duration.ofMillis(40))));
    }

    @Override
    protected RefreshQueue newQueue(String queueName) {
        RefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(queueName).consume(queueName)
                .shutdownTimeout(Duration.ofSeconds(5)).deferWorkerStart().build();
        made.add(queue);
        return queue;
    }

    @Override
    protected List<String> deadLetterReasons(String queueName, RefreshQueue queue) {
        try {
            return broker.deadLetterReasons(queueName);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs before the contract's own clean-up: stop consuming first, so the deleted queues stay deleted. */
    @AfterEach
    void deleteQueues() throws Exception {
        made.forEach(RefreshQueue::close);
        broker.close();
    }
}

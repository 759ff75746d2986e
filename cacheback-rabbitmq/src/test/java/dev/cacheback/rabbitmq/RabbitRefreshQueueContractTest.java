package dev.cacheback.rabbitmq;

import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.test.RefreshQueueContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The refresh-queue contract against the real broker, with the queue consuming in this process. */
class RabbitRefreshQueueContractTest extends RefreshQueueContract {

    private Broker broker;
    private final List<RefreshQueue> made = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        broker = Broker.connect();
        broker.alsoDelete(queueName);
    }

    @Override
    protected RefreshQueue newQueue(String queueName) {
        RefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(queueName).consume(queueName)
                .concurrency(2).maxAttempts(2).shutdownTimeout(Duration.ofSeconds(5)).build();
        made.add(queue);
        return queue;
    }

    /** Runs before the contract's own clean-up: stop consuming first, so the deleted queues stay deleted. */
    @AfterEach
    void deleteQueues() throws Exception {
        made.forEach(RefreshQueue::close);
        broker.close();
    }
}

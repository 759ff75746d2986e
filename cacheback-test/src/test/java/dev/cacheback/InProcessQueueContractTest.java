package dev.cacheback;

import dev.cacheback.internal.InProcessRefreshQueue;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.test.RefreshQueueContract;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The queue contract on the in-process queue. */
class InProcessQueueContractTest extends RefreshQueueContract {

    private final List<ExecutorService> pools = new ArrayList<>();

    @Override
    protected RefreshQueue newQueue(String queueName) {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        pools.add(pool);
        return RefreshQueue.inProcess(pool);
    }

    @Override
    protected List<String> deadLetterReasons(String queueName, RefreshQueue queue) {
        return ((InProcessRefreshQueue) queue).deadLetters().stream().map(InProcessRefreshQueue.DeadLetter::reason).toList();
    }

    @Override
    protected boolean defersWorkerStart() {
        return false;
    }

    @Override
    protected TaskOptions unhonouredOptions() {
        return TaskOptions.builder().priority(3).build();
    }

    @AfterEach
    void shutdownPools() {
        pools.forEach(ExecutorService::shutdownNow);
    }
}

package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's example, run: a web runtime that publishes and an in-application worker that starts
 * once its jobs exist. (Two runtimes in one JVM cannot share one in-memory cache, so here each has its
 * own and the test reads the worker's; in production both name the same Redis or memcached.)
 */
class ReadmeExampleTest {

    private Broker broker;
    private Cacheback web;
    private Cacheback worker;

    @BeforeEach
    void connect() throws Exception {
        broker = Broker.connect();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (web != null) {
            web.close();
        }
        if (worker != null) {
            worker.close();
        }
        broker.close();
    }

    @Test
    void theWebSidePublishesAndTheDeferredWorkerRefreshes() throws Exception {
        String uri = Broker.uri();
        String reports = broker.newQueue("readme");

        // web process: publishes only
        web = Cacheback.builder()
                .cache("default", CacheBackend.inMemory())
                .queue(RabbitRefreshQueue.builder(uri).defaultQueue(reports).build())
                .build();
        // a worker inside an application: construct its jobs, then start consuming
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(uri)
                .consume(reports).concurrency(4).deferWorkerStart().build();
        worker = Cacheback.builder().cache("default", CacheBackend.inMemory()).queue(queue).build();
        CountingJob inWorker = new CountingJob(worker, JobSettings.builder().name("readme.report").build());
        CountingJob inWeb = new CountingJob(web, JobSettings.builder().name("readme.report").build());

        inWeb.asyncRefresh("q3");
        assertThat(broker.messageCount(reports)).as("nothing consumes before startWorker()").isEqualTo(1);
        queue.startWorker();

        await().atMost(Duration.ofSeconds(20)).until(() -> inWorker.rawGet("q3").isPresent());
        assertThat(inWorker.rawGet("q3").orElseThrow().data()).isEqualTo("q3#1");
        assertThat(inWeb.fetches()).isZero();
    }
}

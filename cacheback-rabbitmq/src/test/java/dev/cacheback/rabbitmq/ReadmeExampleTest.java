package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ForwardingCacheBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's RabbitMQ example, run as written (the code between the markers below is compared with
 * the README's block): a web runtime that publishes and an in-application worker that starts once its
 * jobs exist, sharing one cache as two processes share Redis.
 */
class ReadmeExampleTest {

    private Broker broker;
    private Cacheback web;
    private Cacheback worker;

    /** The job of the example. */
    static final class ReportJob extends CountingJob {
        ReportJob(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().name("readme.report").build());
        }
    }

    @BeforeEach
    void connect() throws Exception {
        broker = Broker.connect();
        broker.alsoDelete("reports");
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

    /** One in-memory cache seen by both runtimes, as both processes would see one Redis. */
    private static CacheBackend sharedView(CacheBackend shared) {
        return new ForwardingCacheBackend(shared) {
            private boolean opened;

            @Override
            public synchronized void open(BackendContext context) {
                if (!opened) {
                    opened = true;
                    super.open(context);
                }
            }

            @Override
            public void close() {
                // owned by the test
            }
        };
    }

    @Test
    void theWebSidePublishesAndTheDeferredWorkerRefreshes() {
        String uri = Broker.uri();
        CacheBackend sharedCache = sharedView(CacheBackend.inMemory());

        // --- README rabbitmq start
        // web process: publishes only (to "reports"; a job's `queue` task option picks another)
        Cacheback web = Cacheback.builder()
                .cache("default", sharedCache)      // Redis or memcached: workers must see the same cache
                .queue(RabbitRefreshQueue.builder(uri).defaultQueue("reports").build())
                .build();

        // a worker inside an application: construct its jobs first, then start consuming
        Cacheback worker = Cacheback.builder()
                .cache("default", sharedCache)
                .queue(RabbitRefreshQueue.builder(uri).consume("reports").concurrency(4).deferWorkerStart().build())
                .build();
        new ReportJob(worker);
        worker.startWorkers();
        // --- README rabbitmq end
        this.web = web;
        this.worker = worker;

        ReportJob inWeb = new ReportJob(web);
        inWeb.asyncRefresh("q3");
        await().atMost(Duration.ofSeconds(20)).until(() -> inWeb.rawGet("q3").isPresent());
        assertThat(inWeb.rawGet("q3").orElseThrow().data()).isEqualTo("q3#1");
        assertThat(inWeb.fetches()).as("refreshed by the worker, not the web runtime").isZero();
        assertThat(((CountingJob) worker.job("readme.report").orElseThrow()).fetches()).isEqualTo(1);
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/cacheback/rabbitmq/ReadmeExampleTest.java"),
                StandardCharsets.UTF_8);
        String tested = source.substring(source.indexOf("// --- README rabbitmq start\n") + 29,
                source.indexOf("        // --- README rabbitmq end"));
        tested = Arrays.stream(tested.split("\n")).map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("## RabbitMQ refresh queue and workers");
        int start = readme.indexOf("```java\n", section) + 8;
        String shown = readme.substring(start, readme.indexOf("```", start));
        assertThat(shown).isEqualTo(tested + "\n");
    }
}

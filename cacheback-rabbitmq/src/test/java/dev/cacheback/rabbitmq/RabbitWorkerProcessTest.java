package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.JvmProcess;
import dev.cacheback.test.RecordingListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Worker processes started with the documented command ({@link RabbitWorkerMain}, through
 * {@link TestWorkerMain}), competing on one queue of the real broker. Each prints
 * {@code REFRESHED <args> <pid>} per refresh (see {@link TestCatalog}).
 */
class RabbitWorkerProcessTest {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private Broker broker;
    private RabbitRefreshQueue web;
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

    @TempDir
    Path dir;

    private Path stoppedFile(String label) {
        return dir.resolve(label + ".stopped");
    }

    private JvmProcess worker(String label, String mode, String queue, int concurrency) {
        return start(label, mode, "--uri", Broker.uri(), "--queues", queue, "--concurrency", Integer.toString(concurrency),
                "--shutdown-timeout", "10", "--allow-local-cache");
    }

    private JvmProcess start(String label, String mode, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = mode;
        all[1] = stoppedFile(label).toString();
        System.arraycopy(args, 0, all, 2, args.length);
        JvmProcess process = JvmProcess.start(label, TestWorkerMain.class, all);
        toClose.add(process);
        return process;
    }

    private static void awaitReady(JvmProcess... processes) {
        for (JvmProcess p : processes) {
            await().atMost(STARTUP).until(() -> p.printed("cacheback worker consuming") || !p.isAlive());
            assertThat(p.printed("cacheback worker consuming")).as("worker started: %s", p.lines()).isTrue();
        }
    }

    /** The web side: a runtime that only publishes, with the workers' job constructed in it. */
    private TestCatalog.EchoJob webSide(String queue, RecordingListener listener) {
        web = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(queue).build();
        Cacheback runtime = Cacheback.builder().cache("default", CacheBackend.inMemory()).listener(listener)
                .queue(web).build();
        toClose.add(runtime);
        return new TestCatalog.EchoJob(runtime);
    }

    private static List<String> refreshed(JvmProcess p) {
        return p.lines().stream().filter(l -> l.startsWith("REFRESHED ")).map(l -> l.split(" ")[1]).toList();
    }

    @Test
    void threeWorkerProcessesRefreshEveryTaskExactlyOnceAndStopOnSigterm() throws Exception {
        String q = broker.newQueue("procs");
        String[] labels = {"w1", "w2", "w3"};
        JvmProcess[] workers = {worker("w1", "normal", q, 2), worker("w2", "normal", q, 2), worker("w3", "normal", q, 2)};
        awaitReady(workers);
        RecordingListener listener = new RecordingListener();
        TestCatalog.EchoJob job = webSide(q, listener);

        for (int i = 0; i < 60; i++) {
            job.asyncRefresh("k" + i);
        }
        assertThat(listener.count("enqueued")).isEqualTo(60);
        assertThat(listener.count("fallback")).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> web.publishCounts().confirmed() == 60);

        await().atMost(Duration.ofSeconds(60)).until(() ->
                java.util.Arrays.stream(workers).mapToInt(w -> refreshed(w).size()).sum() >= 60);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() ->
                java.util.Arrays.stream(workers).mapToInt(w -> refreshed(w).size()).sum() == 60);
        Map<String, Long> counts = java.util.Arrays.stream(workers).flatMap(w -> refreshed(w).stream())
                .collect(Collectors.groupingBy(Function.identity(), HashMap::new, Collectors.counting()));
        assertThat(counts).hasSize(60).allSatisfy((key, n) -> assertThat(n).as(key).isEqualTo(1));
        for (JvmProcess w : workers) {
            assertThat(refreshed(w)).as("every process took part").isNotEmpty();
        }
        assertThat(broker.messageCount(q)).isZero();
        assertThat(broker.messageCount(Topology.deadQueue(q))).isZero();

        for (JvmProcess w : workers) {
            w.terminate();
        }
        for (int i = 0; i < workers.length; i++) {
            // 0: WorkerLauncher ends a clean SIGTERM stop with status 0, as documented (the clean stop is
            // also proven by the file the cache writes when the stopped runtime closes it)
            assertThat(workers[i].waitFor(Duration.ofSeconds(30))).isZero();
            assertThat(stoppedFile(labels[i])).hasContent("stopped");
        }
    }

    @Test
    void aTaskHeldByAKilledWorkerIsRedeliveredAndRefreshedByAnother() throws Exception {
        String q = broker.newQueue("killed");
        JvmProcess stuck = worker("stuck", "block", q, 1);
        awaitReady(stuck);
        TestCatalog.EchoJob job = webSide(q, new RecordingListener());

        job.asyncRefresh("block-1");
        await().atMost(Duration.ofSeconds(30)).until(() -> stuck.printed("STARTED block-1"));
        JvmProcess rescuer = worker("rescuer", "normal", q, 1);
        awaitReady(rescuer);
        assertThat(refreshed(rescuer)).as("the task is held, unacknowledged, by the stuck worker").isEmpty();

        stuck.kill();

        await().atMost(Duration.ofSeconds(30)).until(() -> refreshed(rescuer).contains("block-1"));
        assertThat(refreshed(stuck)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(q) == 0);
        assertThat(broker.messageCount(Topology.deadQueue(q))).isZero();
        assertThat(refreshed(rescuer)).containsExactly("block-1");
    }

    @Test
    void withoutACatalogTheWorkerExitsWith2NamingTheServicesFile() {
        JvmProcess p = start("no-catalog", "no-catalog", "--uri", Broker.uri(), "--allow-local-cache");
        assertThat(p.waitFor(STARTUP)).isEqualTo(2);
        assertThat(String.join("\n", p.lines())).contains("no JobCatalog")
                .contains("META-INF/services/dev.cacheback.spi.JobCatalog");
    }

    @Test
    void aWorkerWhoseCacheNoOtherProcessReadsExitsWith2NamingTheFlag() {
        String q = broker.newQueue("local");
        JvmProcess p = start("local-cache", "normal", "--uri", Broker.uri(), "--queues", q);
        assertThat(p.waitFor(STARTUP)).isEqualTo(2);
        assertThat(String.join("\n", p.lines())).contains("private to its process").contains("--allow-local-cache")
                .doesNotContain("cacheback worker consuming").doesNotContain("guest:guest");
    }

    @Test
    void aMalformedUriExitsWith2WithoutShowingItsPassword() {
        JvmProcess p = start("bad-uri", "normal", "--uri", "amqp://user:secret@mq:notaport/", "--allow-local-cache");
        assertThat(p.waitFor(STARTUP)).isEqualTo(2);
        assertThat(String.join("\n", p.lines())).contains("amqp://***@mq:notaport/").doesNotContain("secret");
    }
}

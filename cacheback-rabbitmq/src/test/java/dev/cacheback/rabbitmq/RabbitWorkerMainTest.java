package dev.cacheback.rabbitmq;

import dev.cacheback.WorkerLauncher;
import dev.cacheback.spi.JobCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The worker command's options, through the one launcher (no broker needed: every case fails before connecting). */
class RabbitWorkerMainTest {

    private static final RabbitTransport NO_ENV = new RabbitTransport(Map.<String, String>of()::get);

    private static WorkerLauncher.UsageException refused(RabbitTransport transport, List<JobCatalog> catalogs, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            WorkerLauncher.start(transport, args, catalogs, new PrintStream(out, true, StandardCharsets.UTF_8)).close();
        } catch (WorkerLauncher.UsageException e) {
            assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("secret");
            return e;
        }
        throw new AssertionError("the launcher started");
    }

    @Test
    void theTransportAddsUriAndPrefetchToTheLaunchersOptions() {
        assertThat(NO_ENV.options()).containsOnlyKeys("uri", "prefetch");
        assertThat(NO_ENV.command()).isEqualTo("dev.cacheback.rabbitmq.RabbitWorkerMain");
        assertThat(refused(NO_ENV, List.of(new TestCatalog()), "--threads", "4").getMessage())
                .contains("unknown option --threads").contains("--uri").contains("--prefetch");
        assertThat(refused(NO_ENV, List.of(new TestCatalog()), "--uri", "amqp://mq", "--prefetch", "0").getMessage())
                .contains("--prefetch must be a whole number of at least 1");
    }

    @Test
    void withoutUriOrVariableTheWorkerNamesBoth() {
        assertThat(refused(NO_ENV, List.of(new TestCatalog())).getMessage())
                .contains("--uri").contains("CACHEBACK_RABBITMQ_URI");
    }

    @Test
    void withoutACatalogTheWorkerRefusesToStart() {
        assertThat(refused(NO_ENV, List.of(), "--uri", "amqp://mq").getMessage())
                .contains("no JobCatalog").contains("META-INF/services/dev.cacheback.spi.JobCatalog");
    }

    @ParameterizedTest
    @ValueSource(strings = {"amqp://user:secret@mq:notaport/", "amqp://user:se/cret@mq:5672/", "amqp://user:secret@[mq/",
            "amqp://user:secret@mq/%zz", "redis://user:secret@mq:6379", "amqp://user:secret@ mq"})
    void aMalformedUriNeverShowsItsPassword(String uri) {
        WorkerLauncher.UsageException e = refused(NO_ENV, List.of(new TestCatalog()), "--uri", uri);
        assertThat(e.getMessage()).doesNotContain("secret").doesNotContain("cret").contains("mq");
        assertThatThrownBy(() -> RabbitRefreshQueue.builder(uri).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("secret").hasMessageNotContaining("cret");
        RabbitTransport fromEnv = new RabbitTransport(Map.of("CACHEBACK_RABBITMQ_URI", uri)::get);
        assertThat(refused(fromEnv, List.of(new TestCatalog())).getMessage()).doesNotContain("secret").doesNotContain("cret");
    }
}

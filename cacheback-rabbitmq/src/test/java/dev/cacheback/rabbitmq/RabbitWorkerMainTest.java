package dev.cacheback.rabbitmq;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The worker command's arguments. */
class RabbitWorkerMainTest {

    @Test
    void readsTheDocumentedOptionsInBothForms() {
        assertThat(RabbitWorkerMain.parse(new String[] {"--uri", "amqp://mq", "--queues=a,b", "--concurrency", "4",
                "--prefetch", "8", "--max-attempts", "5", "--shutdown-timeout", "10"}))
                .containsEntry("uri", "amqp://mq").containsEntry("queues", "a,b").containsEntry("concurrency", "4")
                .containsEntry("prefetch", "8").containsEntry("max-attempts", "5").containsEntry("shutdown-timeout", "10");
    }

    @Test
    void refusesUnknownRepeatedOrIncompleteOptions() {
        assertThatThrownBy(() -> RabbitWorkerMain.parse(new String[] {"--threads", "4"}))
                .hasMessageContaining("unknown option --threads");
        assertThatThrownBy(() -> RabbitWorkerMain.parse(new String[] {"--queues", "a", "--queues", "b"}))
                .hasMessageContaining("given twice");
        assertThatThrownBy(() -> RabbitWorkerMain.parse(new String[] {"--uri"}))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> RabbitWorkerMain.parse(new String[] {"worker"}))
                .hasMessageContaining("unexpected argument");
    }
}

package dev.cacheback.rabbitmq;

import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshQueueException;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RabbitRefreshQueue#ping()}: a passive declaration on a connection of its own, against the real
 * broker, a closed port and a virtual host that does not exist.
 */
class RabbitPingTest {

    /** Opens the queue the way an application does: through a runtime, which closes it. */
    private static dev.cacheback.Cacheback opened(RabbitRefreshQueue queue) {
        return dev.cacheback.Cacheback.builder().queue(queue).build();
    }

    @Test
    void theBrokerAnswersBeforeTheQueueExistsAndAfter() throws Exception {
        try (Broker broker = Broker.connect()) {
            String name = broker.newQueue("ping");
            RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).defaultQueue(name).build();
            try (dev.cacheback.Cacheback runtime = opened(queue)) {
                RefreshQueue opened = runtime.queue();
                assertThatCode(opened::ping).as("not declared yet").doesNotThrowAnyException();
                broker.channel().queueDeclare(name, true, false, false, null);
                assertThatCode(opened::ping).as("declared").doesNotThrowAnyException();
            }
        }
    }

    @Test
    void aClosedPortFailsNamingTheBroker() {
        int port = TestServers.freePort();
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uriOnPort(port))
                .connectTimeout(Duration.ofMillis(300)).reconnectInterval(Duration.ofMillis(200)).build();
        try (dev.cacheback.Cacheback runtime = opened(queue)) {
            RefreshQueue opened = runtime.queue();
            assertThatThrownBy(opened::ping).isInstanceOf(RefreshQueueException.class)
                    .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("did not answer a ping")
                    .hasMessageNotContaining("guest:guest");
        }
    }

    @Test
    void aVirtualHostThatDoesNotExistFails() throws Exception {
        Broker.connect().close();
        URI u = URI.create(Broker.uri());
        String wrongVhost = u.getScheme() + "://" + (u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@")
                + u.getHost() + ":" + Broker.port() + "/cacheback-no-such-vhost";
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(wrongVhost).connectTimeout(Duration.ofSeconds(1))
                .reconnectInterval(Duration.ofMillis(200)).build();
        try (dev.cacheback.Cacheback runtime = opened(queue)) {
            RefreshQueue opened = runtime.queue();
            assertThatThrownBy(opened::ping).isInstanceOf(RefreshQueueException.class)
                    .hasMessageContaining("cacheback-no-such-vhost");
        }
    }

    @Test
    void aClosedQueueFails() throws Exception {
        Broker.connect().close();
        RabbitRefreshQueue queue = RabbitRefreshQueue.builder(Broker.uri()).build();
        opened(queue).close();
        assertThatThrownBy(queue::ping).isInstanceOf(RefreshQueueException.class).hasMessageContaining("closed");
    }
}

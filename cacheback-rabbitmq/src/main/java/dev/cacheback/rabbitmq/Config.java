package dev.cacheback.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;

import java.time.Duration;
import java.util.List;

/** The settings of one {@link RabbitRefreshQueue}, copied from its builder. */
record Config(
        ConnectionFactory factory,
        String description,
        String defaultQueue,
        List<String> consumeQueues,
        int concurrency,
        int prefetch,
        int maxAttempts,
        int publisherChannels,
        Duration confirmTimeout,
        Duration connectionTimeout,
        Duration retryInterval,
        Duration shutdownTimeout) {

    boolean worker() {
        return !consumeQueues.isEmpty();
    }

    /**
     * A fresh connection factory with this configuration's settings: the builder's factory is never
     * shared between the publishing and the consuming connection.
     */
    ConnectionFactory newFactory(Duration rpcTimeout) {
        ConnectionFactory f = factory.clone();
        f.setConnectionTimeout(millis(connectionTimeout));
        f.setHandshakeTimeout(Math.max(millis(connectionTimeout) * 2, 2000));
        f.setChannelRpcTimeout(millis(rpcTimeout));
        f.setAutomaticRecoveryEnabled(true);
        f.setTopologyRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(retryInterval.toMillis());
        return f;
    }

    static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}

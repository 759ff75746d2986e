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
        int maxUnconfirmed,
        Duration publishTimeout,
        Duration connectTimeout,
        Duration reconnectInterval,
        Duration probeInterval,
        Duration shutdownTimeout) {

    boolean worker() {
        return !consumeQueues.isEmpty();
    }

    /**
     * A fresh connection factory with this configuration's settings: the builder's factory is never
     * shared between the publishing and the consuming connection.
     *
     * @param rpcTimeout the bound on every channel RPC (declare, open a channel)
     * @param recover    whether the client recovers the connection (and its channels, consumers and
     *                   declarations) by itself, every {@link #reconnectInterval}
     */
    ConnectionFactory newFactory(Duration rpcTimeout, boolean recover) {
        ConnectionFactory f = factory.clone();
        f.setConnectionTimeout(millis(connectTimeout));
        f.setHandshakeTimeout(millis(connectTimeout));
        f.setShutdownTimeout(millis(connectTimeout));
        f.setChannelRpcTimeout(millis(rpcTimeout));
        f.setRequestedHeartbeat(10);
        f.setAutomaticRecoveryEnabled(recover);
        f.setTopologyRecoveryEnabled(recover);
        f.setNetworkRecoveryInterval(reconnectInterval.toMillis());
        return f;
    }

    static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }
}

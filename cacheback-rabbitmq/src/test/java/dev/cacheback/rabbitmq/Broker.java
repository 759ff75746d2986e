package dev.cacheback.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.cacheback.test.TestServers;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The shared test broker, seen from a test: its address, a raw admin channel for looking at queues,
 * and the queues a test made, deleted when it ends. Only queues this class was told about are ever
 * deleted.
 */
final class Broker implements AutoCloseable {

    private final Connection connection;
    private final Channel channel;
    private final Set<String> created = new LinkedHashSet<>();
    private final Set<String> extra = new LinkedHashSet<>();

    private Broker() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri());
        factory.setAutomaticRecoveryEnabled(false);
        connection = factory.newConnection("cacheback-test-admin");
        channel = connection.createChannel();
    }

    /** Skips (or fails in CI) when the broker is not there, else connects an admin channel. */
    static Broker connect() throws Exception {
        URI u = URI.create(uri());
        TestServers.require("RabbitMQ", u.getHost() == null ? "127.0.0.1" : u.getHost(), u.getPort() < 0 ? 5672 : u.getPort());
        return new Broker();
    }

    static String uri() {
        return TestServers.rabbitUri();
    }

    static String host() {
        return URI.create(uri()).getHost();
    }

    static int port() {
        int port = URI.create(uri()).getPort();
        return port < 0 ? 5672 : port;
    }

    /** {@link #uri()} pointed at another port of this host (a proxy, a closed port). */
    static String uriOnPort(int port) {
        URI u = URI.create(uri());
        return u.getScheme() + "://" + (u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@") + "127.0.0.1:" + port
                + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    /** A unique work queue name; it and its dead-letter and wait queues are deleted by {@link #close()}. */
    String newQueue(String base) {
        String name = TestServers.uniquePrefix("cacheback-test-" + base);
        created.add(name);
        return name;
    }

    /** Also delete this work queue (and its dead-letter queue) at the end. */
    void alsoDelete(String queue) {
        created.add(queue);
    }

    /** Also delete this queue (a wait or retry queue) at the end. */
    void alsoDeleteQueue(String queue) {
        extra.add(queue);
    }

    synchronized long messageCount(String queue) throws Exception {
        return channel.messageCount(queue);
    }

    /** Takes one message (acknowledged), or null. */
    synchronized GetResponse get(String queue) throws Exception {
        return channel.basicGet(queue, true);
    }

    /** Every message now in {@code queue}, taken and acknowledged. */
    synchronized List<GetResponse> drain(String queue) throws Exception {
        List<GetResponse> all = new ArrayList<>();
        GetResponse r;
        while ((r = channel.basicGet(queue, true)) != null) {
            all.add(r);
        }
        return all;
    }

    synchronized void publishRaw(String queue, byte[] body) throws Exception {
        channel.basicPublish("", queue, null, body);
    }

    Channel channel() {
        return channel;
    }

    /** The reasons (header {@code x-cacheback-reason}) of the messages in {@code <queue>.dead}, left in place. */
    synchronized List<String> deadLetterReasons(String queue) throws Exception {
        List<String> reasons = new ArrayList<>();
        try (Channel reader = connection.createChannel()) {
            GetResponse r;
            while ((r = reader.basicGet(Topology.deadQueue(queue), false)) != null) {
                Object reason = r.getProps().getHeaders() == null ? null : r.getProps().getHeaders().get(Topology.REASON);
                reasons.add(String.valueOf(reason));
            }
        } catch (java.io.IOException e) {
            if (!String.valueOf(e.getCause()).contains("NOT_FOUND")) {
                throw e;
            }
        }
        return reasons; // closing the reader returned every message read to the queue
    }

    /** Whether {@code queue} exists on the broker. */
    synchronized boolean exists(String queue) throws Exception {
        try (Channel probe = connection.createChannel()) {
            probe.queueDeclarePassive(queue);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            for (String q : created) {
                channel.queueDelete(q);
                channel.queueDelete(Topology.deadQueue(q));
            }
            for (String q : extra) {
                channel.queueDelete(q);
            }
        } finally {
            connection.close();
        }
    }
}

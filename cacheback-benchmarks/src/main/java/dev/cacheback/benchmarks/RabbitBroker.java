package dev.cacheback.benchmarks;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.cacheback.rabbitmq.RabbitRefreshQueue;
import dev.cacheback.spi.RefreshQueue;

/** RabbitMQ for the pipeline: {@code RabbitRefreshQueue} against raw amqp-client. */
final class RabbitBroker implements PipelineSection.Broker {

    @Override
    public String name() {
        return "RabbitMQ";
    }

    @Override
    public String queueLabel() {
        return "RabbitMQ (`RabbitRefreshQueue`, concurrency " + PipelineSection.CONSUMERS + ", prefetch 1)";
    }

    @Override
    public String rawLabel() {
        return "amqp-client: persistent mandatory publish, confirm each; " + PipelineSection.CONSUMERS
                + " consumers, prefetch 1, manual ack";
    }

    @Override
    public RefreshQueue queue(String unique) {
        return RabbitRefreshQueue.builder(Servers.rabbitUri()).defaultQueue(unique).consume(unique)
                .concurrency(PipelineSection.CONSUMERS).build();
    }

    @Override
    public void cleanUp(String unique, RefreshQueue queue) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(Servers.rabbitUri());
        try (Connection c = factory.newConnection("cacheback-bench-cleanup"); Channel ch = c.createChannel()) {
            ch.queueDelete(unique);
            ch.queueDelete(unique + ".dead");
        }
    }

    @Override
    public double raw(int messages, byte[] body) throws Exception {
        return RawBrokers.rabbit(messages, body, PipelineSection.PRODUCERS, PipelineSection.CONSUMERS, 1);
    }
}

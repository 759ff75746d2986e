/**
 * Cacheback on RabbitMQ: a refresh queue and its worker, on the RabbitMQ Java client.
 */
module dev.cacheback.rabbitmq {
    requires transitive dev.cacheback;
    requires com.rabbitmq.client;
    requires org.slf4j;

    exports dev.cacheback.rabbitmq;
}

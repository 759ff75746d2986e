package dev.cacheback.spring;

import dev.cacheback.rabbitmq.RabbitBackplane;
import dev.cacheback.rabbitmq.RabbitRefreshQueue;
import dev.cacheback.spi.Backplane;
import dev.cacheback.spi.RefreshQueue;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;

import static dev.cacheback.spring.CacheBackendFactory.ifSet;

/** Wires cacheback-rabbitmq (the rabbitmq queue and its worker) when it is on the classpath; never loaded otherwise. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "dev.cacheback.rabbitmq.RabbitRefreshQueue")
class CachebackRabbitConfiguration {

    @Bean
    BackplaneFactory cachebackRabbitBackplaneFactory() {
        return new BackplaneFactory() {
            @Override
            public CachebackProperties.BackplaneType type() {
                return CachebackProperties.BackplaneType.RABBITMQ;
            }

            @Override
            public Backplane create(String prefix, String address, CachebackProperties.Near near) {
                return CacheBackendFactory.build(prefix + ".near", () -> {
                    RabbitBackplane.Builder b = RabbitBackplane.builder(address);
                    ifSet(near.getChannel(), b::exchange);
                    ifSet(near.getHeartbeatInterval(), b::heartbeatInterval);
                    return b.build();
                });
            }
        };
    }

    @Bean
    RefreshQueueFactory cachebackRabbitQueueFactory() {
        return new RefreshQueueFactory() {
            @Override
            public CachebackProperties.QueueType type() {
                return CachebackProperties.QueueType.RABBITMQ;
            }

            @Override
            public RefreshQueue create(CachebackProperties.Queue queue, CachebackProperties.Worker worker) {
                String address = CacheBackendFactory.requireAddress(PREFIX, queue.getAddress(),
                        "amqp://guest:guest@127.0.0.1:5672 (the default virtual host \"/\")");
                CachebackProperties.RabbitQueue options = queue.getRabbitmq();
                if (!worker.isEnabled()) {
                    List<String> workerOnly = new java.util.ArrayList<>();
                    if (options.getPrefetch() != null) {
                        workerOnly.add(PREFIX + ".rabbitmq.prefetch");
                    }
                    if (!workerOnly.isEmpty()) {
                        throw new CachebackConfigurationException(String.join(" and ", workerOnly)
                                + " configure a worker, but cacheback.worker.enabled is false (this node only publishes).",
                                "Remove " + String.join(" and ", workerOnly) + " from this node's properties, or set "
                                        + "cacheback.worker.enabled=true to consume here.");
                    }
                }
                RabbitRefreshQueue built = CacheBackendFactory.build(PREFIX, () -> {
                    RabbitRefreshQueue.Builder b = RabbitRefreshQueue.builder(address);
                    ifSet(options.getDefaultQueue(), b::defaultQueue);
                    ifSet(options.getPrefetch(), b::prefetch);
                    ifSet(options.getMaxUnconfirmed(), b::maxUnconfirmed);
                    ifSet(options.getPublishTimeout(), b::publishTimeout);
                    ifSet(options.getConnectTimeout(), b::connectTimeout);
                    ifSet(options.getReconnectInterval(), b::reconnectInterval);
                    ifSet(options.getProbeInterval(), b::probeInterval);
                    if (worker.isEnabled()) {
                        ifSet(options.getShutdownTimeout(), b::shutdownTimeout);
                        String defaultQueue = options.getDefaultQueue();
                        List<String> queues = worker.getQueues().isEmpty()
                                ? List.of(defaultQueue != null ? defaultQueue : "cacheback") : worker.getQueues();
                        b.consume(queues.toArray(String[]::new)).concurrency(worker.getConcurrency()).deferWorkerStart();
                    }
                    return b.build();
                });
                return built;
            }
        };
    }
}

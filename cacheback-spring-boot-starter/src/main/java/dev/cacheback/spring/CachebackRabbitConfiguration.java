package dev.cacheback.spring;

import dev.cacheback.rabbitmq.RabbitRefreshQueue;
import dev.cacheback.spi.RefreshQueue;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.Set;

/** Wires cacheback-rabbitmq (the rabbitmq queue and its worker) when it is on the classpath; never loaded otherwise. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "dev.cacheback.rabbitmq.RabbitRefreshQueue")
class CachebackRabbitConfiguration {

    @Bean
    RefreshQueueFactory cachebackRabbitQueueFactory(WorkerStarter starter) {
        return new RefreshQueueFactory() {
            @Override
            public CachebackProperties.QueueType type() {
                return CachebackProperties.QueueType.RABBITMQ;
            }

            @Override
            public RefreshQueue create(CachebackProperties.Queue queue, CachebackProperties.Worker worker) {
                String owner = "The refresh queue (cacheback.queue)";
                Options options = new Options(owner, queue.getOptions(), Set.of("default-queue", "prefetch", "max-attempts",
                        "publisher-channels", "confirm-timeout", "connection-timeout", "retry-interval", "shutdown-timeout"));
                if (queue.getAddress() == null || queue.getAddress().isBlank()) {
                    throw new IllegalStateException(owner + " needs an address, such as amqp://guest:guest@127.0.0.1:5672");
                }
                RabbitRefreshQueue.Builder b = RabbitRefreshQueue.builder(queue.getAddress().trim());
                String defaultQueue = options.string("default-queue");
                Options.ifSet(defaultQueue, b::defaultQueue);
                Options.ifSet(options.number("prefetch"), n -> b.prefetch(Math.toIntExact(n)));
                Options.ifSet(options.number("max-attempts"), n -> b.maxAttempts(Math.toIntExact(n)));
                Options.ifSet(options.number("publisher-channels"), n -> b.publisherChannels(Math.toIntExact(n)));
                Options.ifSet(options.duration("confirm-timeout"), b::confirmTimeout);
                Options.ifSet(options.duration("connection-timeout"), b::connectionTimeout);
                Options.ifSet(options.duration("retry-interval"), b::retryInterval);
                if (!worker.isEnabled()) {
                    return b.build();
                }
                Options.ifSet(options.duration("shutdown-timeout"), b::shutdownTimeout);
                List<String> queues = worker.getQueues().isEmpty()
                        ? List.of(defaultQueue != null ? defaultQueue : "cacheback") : worker.getQueues();
                b.consume(queues.toArray(String[]::new)).concurrency(worker.getConcurrency()).deferWorkerStart();
                RabbitRefreshQueue built = b.build();
                starter.onStart(built::startWorker);
                return built;
            }
        };
    }
}

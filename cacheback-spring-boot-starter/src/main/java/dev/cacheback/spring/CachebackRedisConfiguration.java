package dev.cacheback.spring;

import dev.cacheback.redis.RedisCacheBackend;
import dev.cacheback.redis.RedisRefreshQueue;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.Set;

/** Wires cacheback-redis (caches of type redis, the redis queue) when it is on the classpath; never loaded otherwise. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "dev.cacheback.redis.RedisCacheBackend")
class CachebackRedisConfiguration {

    @Bean
    CacheBackendFactory cachebackRedisCacheFactory() {
        return new CacheBackendFactory() {
            @Override
            public CachebackProperties.CacheType type() {
                return CachebackProperties.CacheType.REDIS;
            }

            @Override
            public CacheBackend create(String alias, CachebackProperties.Cache cache) {
                String owner = "Cache \"" + alias + "\" (cacheback.caches." + alias + ")";
                Options options = new Options(owner, cache.getOptions(),
                        Set.of("key-prefix", "command-timeout", "connect-timeout", "cluster"));
                RedisCacheBackend.Builder b = RedisCacheBackend.builder(address(owner, cache.getAddress()));
                if (Boolean.TRUE.equals(options.bool("cluster"))) {
                    b.cluster();
                }
                String prefix = options.string("key-prefix");
                if (prefix != null) {
                    b.keyPrefix(prefix);
                }
                Duration command = options.duration("command-timeout");
                if (command != null) {
                    b.commandTimeout(command);
                }
                Duration connect = options.duration("connect-timeout");
                if (connect != null) {
                    b.connectTimeout(connect);
                }
                return b.build();
            }
        };
    }

    @Bean
    RefreshQueueFactory cachebackRedisQueueFactory(WorkerStarter starter) {
        return new RefreshQueueFactory() {
            @Override
            public CachebackProperties.QueueType type() {
                return CachebackProperties.QueueType.REDIS;
            }

            @Override
            public RefreshQueue create(CachebackProperties.Queue queue, CachebackProperties.Worker worker) {
                String owner = "The refresh queue (cacheback.queue)";
                Options options = new Options(owner, queue.getOptions(), Set.of("cluster", "stream-prefix", "default-queue",
                        "group", "consumer-name", "max-length", "max-deliveries", "claim-idle", "block-time",
                        "command-timeout", "connect-timeout", "shutdown-timeout"));
                RedisRefreshQueue.Builder b = RedisRefreshQueue.builder(address(owner, queue.getAddress()));
                if (Boolean.TRUE.equals(options.bool("cluster"))) {
                    b.cluster();
                }
                Options.ifSet(options.string("stream-prefix"), b::streamPrefix);
                Options.ifSet(options.string("default-queue"), b::defaultQueue);
                Options.ifSet(options.string("group"), b::group);
                Options.ifSet(options.string("consumer-name"), b::consumerName);
                Options.ifSet(options.number("max-length"), b::maxLength);
                Options.ifSet(options.number("max-deliveries"), n -> b.maxDeliveries(Math.toIntExact(n)));
                Options.ifSet(options.duration("claim-idle"), b::claimIdle);
                Options.ifSet(options.duration("block-time"), b::blockTime);
                Options.ifSet(options.duration("command-timeout"), b::commandTimeout);
                Options.ifSet(options.duration("connect-timeout"), b::connectTimeout);
                Options.ifSet(options.duration("shutdown-timeout"), b::shutdownTimeout);
                if (!worker.isEnabled()) {
                    return b.build();
                }
                b.worker(worker.getConcurrency()).deferWorkerStart();
                if (!worker.getQueues().isEmpty()) {
                    b.queues(worker.getQueues().toArray(String[]::new));
                }
                RedisRefreshQueue built = b.build();
                starter.onStart(built::startWorker);
                return built;
            }
        };
    }

    static String address(String owner, String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalStateException(owner + " needs an address, such as redis://127.0.0.1:6379");
        }
        return address.trim();
    }
}

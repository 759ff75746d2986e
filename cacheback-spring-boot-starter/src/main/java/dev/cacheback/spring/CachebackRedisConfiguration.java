package dev.cacheback.spring;

import static dev.cacheback.spring.CacheBackendFactory.ifSet;

import dev.cacheback.redis.RedisBackplane;
import dev.cacheback.redis.RedisCacheBackend;
import dev.cacheback.redis.RedisRefreshQueue;
import dev.cacheback.spi.Backplane;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;


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
                String prefix = CacheBackendFactory.prefix(alias);
                String address = CacheBackendFactory.requireAddress(prefix, cache.getAddress(), "redis://127.0.0.1:6379");
                CachebackProperties.RedisCache options = cache.getRedis();
                return CacheBackendFactory.build(prefix, () -> {
                    RedisCacheBackend.Builder b = RedisCacheBackend.builder(address);
                    if (options.isCluster()) {
                        b.cluster();
                    }
                    ifSet(options.getKeyPrefix(), b::keyPrefix);
                    ifSet(options.getCommandTimeout(), b::commandTimeout);
                    ifSet(options.getConnectTimeout(), b::connectTimeout);
                    ifSet(options.getProbeInterval(), b::probeInterval);
                    return b.build();
                });
            }
        };
    }

    @Bean
    BackplaneFactory cachebackRedisBackplaneFactory() {
        return new BackplaneFactory() {
            @Override
            public CachebackProperties.BackplaneType type() {
                return CachebackProperties.BackplaneType.REDIS;
            }

            @Override
            public Backplane create(String prefix, String address, CachebackProperties.Near near) {
                return CacheBackendFactory.build(prefix + ".near", () -> {
                    RedisBackplane.Builder b = RedisBackplane.builder(address);
                    ifSet(near.getChannel(), b::channel);
                    ifSet(near.getHeartbeatInterval(), b::heartbeatInterval);
                    return b.build();
                });
            }
        };
    }

    @Bean
    RefreshQueueFactory cachebackRedisQueueFactory() {
        return new RefreshQueueFactory() {
            @Override
            public CachebackProperties.QueueType type() {
                return CachebackProperties.QueueType.REDIS;
            }

            @Override
            public RefreshQueue create(CachebackProperties.Queue queue, CachebackProperties.Worker worker) {
                String address = CacheBackendFactory.requireAddress(PREFIX, queue.getAddress(), "redis://127.0.0.1:6379");
                CachebackProperties.RedisQueue options = queue.getRedis();
                RedisRefreshQueue built = CacheBackendFactory.build(PREFIX, () -> {
                    RedisRefreshQueue.Builder b = RedisRefreshQueue.builder(address);
                    if (options.isCluster()) {
                        b.cluster();
                    }
                    ifSet(options.getStreamPrefix(), b::streamPrefix);
                    ifSet(options.getDefaultQueue(), b::defaultQueue);
                    ifSet(options.getGroup(), b::group);
                    ifSet(options.getConsumerName(), b::consumerName);
                    ifSet(options.getMaxLength(), b::maxLength);
                    ifSet(options.getProbeInterval(), b::probeInterval);
                    ifSet(options.getClaimIdle(), b::claimIdle);
                    ifSet(options.getBlockTime(), b::blockTime);
                    ifSet(options.getCommandTimeout(), b::commandTimeout);
                    ifSet(options.getConnectTimeout(), b::connectTimeout);
                    ifSet(options.getShutdownTimeout(), b::shutdownTimeout);
                    if (worker.isEnabled()) {
                        b.worker(worker.getConcurrency()).deferWorkerStart();
                        if (!worker.getQueues().isEmpty()) {
                            b.queues(worker.getQueues().toArray(String[]::new));
                        }
                    }
                    return b.build();
                });
                return built;
            }
        };
    }
}

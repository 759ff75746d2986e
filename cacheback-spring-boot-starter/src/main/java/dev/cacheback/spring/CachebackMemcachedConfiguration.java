package dev.cacheback.spring;

import dev.cacheback.memcached.MemcachedCacheBackend;
import dev.cacheback.spi.CacheBackend;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.cacheback.spring.CacheBackendFactory.ifSet;

/** Wires cacheback-memcached (caches of type memcached) when it is on the classpath; never loaded otherwise. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "dev.cacheback.memcached.MemcachedCacheBackend")
class CachebackMemcachedConfiguration {

    @Bean
    CacheBackendFactory cachebackMemcachedCacheFactory() {
        return new CacheBackendFactory() {
            @Override
            public CachebackProperties.CacheType type() {
                return CachebackProperties.CacheType.MEMCACHED;
            }

            @Override
            public CacheBackend create(String alias, CachebackProperties.Cache cache) {
                String prefix = CacheBackendFactory.prefix(alias);
                String address = CacheBackendFactory.requireAddress(prefix, cache.getAddress(),
                        "127.0.0.1:11211 (several: cache-1:11211 cache-2:11211)");
                CachebackProperties.MemcachedCache options = cache.getMemcached();
                return CacheBackendFactory.build(prefix, () -> {
                    MemcachedCacheBackend.Builder b = MemcachedCacheBackend.builder(address);
                    ifSet(options.getKeyPrefix(), b::keyPrefix);
                    ifSet(options.getOperationTimeout(), b::operationTimeout);
                    ifSet(options.getProbeInterval(), b::probeInterval);
                    ifSet(options.getConnectTimeout(), b::connectTimeout);
                    ifSet(options.getReconnectInterval(), b::reconnectInterval);
                    ifSet(options.getItemSizeLimit(), size -> b.itemSizeLimit(size.toBytes()));
                    return b.build();
                });
            }
        };
    }
}

package dev.cacheback.spring;

import dev.cacheback.memcached.MemcachedCacheBackend;
import dev.cacheback.spi.CacheBackend;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.Set;

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
                String owner = "Cache \"" + alias + "\" (cacheback.caches." + alias + ")";
                Options options = new Options(owner, cache.getOptions(),
                        Set.of("operation-timeout", "connect-timeout", "reconnect-interval", "item-size-limit"));
                if (cache.getAddress() == null || cache.getAddress().isBlank()) {
                    throw new IllegalStateException(owner + " needs an address, such as 127.0.0.1:11211 (several: "
                            + "\"cache-1:11211 cache-2:11211\")");
                }
                MemcachedCacheBackend.Builder b = MemcachedCacheBackend.builder(cache.getAddress().trim());
                Options.ifSet(options.duration("operation-timeout"), b::operationTimeout);
                Options.ifSet(options.duration("connect-timeout"), b::connectTimeout);
                Options.ifSet(options.duration("reconnect-interval"), b::reconnectInterval);
                Options.ifSet(options.number("item-size-limit"), b::itemSizeLimit);
                return b.build();
            }
        };
    }
}

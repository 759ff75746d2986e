package dev.cacheback.spring;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code cacheback} Actuator endpoint, when Actuator is present and a Cacheback runtime exists.
 * Available only as {@code management.endpoints.*} allow (exposure, and
 * {@code management.endpoint.cacheback.access} for the write operation); on the web, with
 * {@link CachebackEndpointWebExtension} answering bad requests 400 and unknown jobs 404 with the message.
 */
@AutoConfiguration(after = CachebackAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint")
@ConditionalOnBean(dev.cacheback.Cacheback.class)
public class CachebackEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint(CachebackEndpoint.class)
    CachebackEndpoint cachebackEndpoint(dev.cacheback.Cacheback cacheback, ObjectProvider<CachedMethodRegistry> methods) {
        return new CachebackEndpoint(cacheback, methods.getIfAvailable(CachedMethodRegistry::new));
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(CachebackEndpoint.class)
    @ConditionalOnAvailableEndpoint(endpoint = CachebackEndpoint.class, exposure = EndpointExposure.WEB)
    CachebackEndpointWebExtension cachebackEndpointWebExtension(CachebackEndpoint endpoint) {
        return new CachebackEndpointWebExtension(endpoint);
    }
}

package dev.cacheback.spring;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

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

    /** In a servlet application: lets the write operation take {@code args} as any JSON value. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "jakarta.servlet.Filter")
    static class ServletArgs {

        @Bean
        @ConditionalOnAvailableEndpoint(endpoint = CachebackEndpoint.class, exposure = EndpointExposure.WEB)
        CachebackEndpointArgsFilter cachebackEndpointArgsFilter(Environment environment) {
            String base = environment.getProperty("management.endpoints.web.base-path", "/actuator");
            String path = environment.getProperty("management.endpoints.web.path-mapping.cacheback", "cacheback");
            return new CachebackEndpointArgsFilter(("/".equals(base) ? "" : base) + "/" + path + "/");
        }
    }
}

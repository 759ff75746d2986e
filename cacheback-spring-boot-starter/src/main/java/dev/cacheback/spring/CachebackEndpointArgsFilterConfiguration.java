package dev.cacheback.spring;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * In a servlet application, the {@link CachebackEndpointArgsFilter} in front of the {@code cacheback}
 * endpoint's write operation, in whichever context serves Actuator (the application's, or the
 * management server's when {@code management.server.port} differs).
 */
@ManagementContextConfiguration(value = ManagementContextType.ANY, proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "jakarta.servlet.Filter")
class CachebackEndpointArgsFilterConfiguration {

    @Bean
    @ConditionalOnAvailableEndpoint(endpoint = CachebackEndpoint.class, exposure = EndpointExposure.WEB)
    CachebackEndpointArgsFilter cachebackEndpointArgsFilter(Environment environment) {
        String base = environment.getProperty("management.endpoints.web.base-path", "/actuator");
        String path = environment.getProperty("management.endpoints.web.path-mapping.cacheback", "cacheback");
        return new CachebackEndpointArgsFilter(("/".equals(base) ? "" : base) + "/" + path + "/");
    }
}

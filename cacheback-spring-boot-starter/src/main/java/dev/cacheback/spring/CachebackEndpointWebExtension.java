package dev.cacheback.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web face of {@link CachebackEndpoint}'s write operation: a wrong request answers 400 and an
 * unknown job 404, each with {@code {"error": "…"}} naming the problem in the body (Actuator's own
 * error page shows no message by default).
 */
@EndpointWebExtension(endpoint = CachebackEndpoint.class)
public class CachebackEndpointWebExtension {

    private final CachebackEndpoint endpoint;

    CachebackEndpointWebExtension(CachebackEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** {@link CachebackEndpoint#update}, answering 400 / 404 with the message in the body. */
    @WriteOperation
    public WebEndpointResponse<Map<String, Object>> update(@Selector String name, @Nullable String action, @Nullable String args) {
        try {
            return new WebEndpointResponse<>(endpoint.update(name, action, args));
        } catch (CachebackEndpoint.NoSuchJobException e) {
            return error(e, WebEndpointResponse.STATUS_NOT_FOUND);
        } catch (IllegalArgumentException e) {
            return error(e, WebEndpointResponse.STATUS_BAD_REQUEST);
        }
    }

    private static WebEndpointResponse<Map<String, Object>> error(RuntimeException e, int status) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", e.getMessage());
        return new WebEndpointResponse<>(body, status);
    }
}

package dev.cacheback.spring;

import org.jspecify.annotations.Nullable;
import dev.cacheback.spi.RefreshQueueException;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The web face of {@link CachebackEndpoint}'s write operations and dead-letter list: a wrong request
 * answers 400, an unknown job or dead letter 404, a broker that does not answer 503, each with {@code {"error": "…"}} naming the problem in the body (Actuator's own
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

    /** {@link CachebackEndpoint#deadLetters}, answering 404 for another path and 503 when the broker does not answer. */
    @ReadOperation
    public WebEndpointResponse<Map<String, Object>> deadLetters(@Selector String section, @Selector String what) {
        try {
            return new WebEndpointResponse<>(endpoint.deadLetters(section, what));
        } catch (CachebackEndpoint.NoSuchJobException e) {
            return error(e, WebEndpointResponse.STATUS_NOT_FOUND);
        } catch (RefreshQueueException e) {
            return error(e, WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
        }
    }

    /**
     * {@link CachebackEndpoint#requeue}, answering 400 for a wrong body, 404 for another path or an id no
     * dead letter has, and 503 when the broker does not answer.
     */
    @WriteOperation
    public WebEndpointResponse<Map<String, Object>> requeue(@Selector String section, @Selector String what,
                                                            @Nullable String id, @Nullable Boolean all) {
        try {
            return new WebEndpointResponse<>(endpoint.requeue(section, what, id, all));
        } catch (CachebackEndpoint.NoSuchJobException e) {
            return error(e, WebEndpointResponse.STATUS_NOT_FOUND);
        } catch (IllegalArgumentException e) {
            return error(e, WebEndpointResponse.STATUS_BAD_REQUEST);
        } catch (RefreshQueueException e) {
            return error(e, WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
        }
    }

    private static WebEndpointResponse<Map<String, Object>> error(RuntimeException e, int status) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", e.getMessage());
        return new WebEndpointResponse<>(body, status);
    }
}

package dev.cacheback.spring;

import dev.cacheback.Job;
import dev.cacheback.spi.CodecException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code cacheback} Actuator endpoint. Exposed only as Actuator's rules allow (for the web:
 * {@code management.endpoints.web.exposure.include=cacheback}; write access by
 * {@code management.endpoint.cacheback.access}).
 *
 * <ul>
 *   <li>{@code GET /actuator/cacheback}: the runtime (caches, queue, default alias, verify-writes) and
 *       every registered job with its settings.</li>
 *   <li>{@code GET /actuator/cacheback/{job}}: one job.</li>
 *   <li>{@code POST /actuator/cacheback/{job}} with {@code {"action": "invalidate" | "delete", "args": "…"}}:
 *       invalidates or deletes one entry. {@code args} is a string (Actuator reads request bodies as
 *       string values) holding the job's argument as JSON text: for a {@link Cacheback @Cacheback}
 *       method a JSON array of the method's arguments ({@code "[\"ACME\", 2]"}); for a
 *       {@code Job<K, V>} a {@code K} ({@code "{\"id\": 7}"}); omitted for a no-argument job. For a
 *       {@code String} argument, text that does not start with a quote is the string itself
 *       ({@code "args": "ACME"}). It is decoded with the runtime's codec as the declared types,
 *       which must therefore read JSON (the default codec does).</li>
 * </ul>
 */
@Endpoint(id = "cacheback")
public class CachebackEndpoint {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final dev.cacheback.Cacheback cacheback;
    private final CachedMethodRegistry methods;

    CachebackEndpoint(dev.cacheback.Cacheback cacheback, CachedMethodRegistry methods) {
        this.cacheback = cacheback;
        this.methods = methods;
    }

    /** The runtime and its jobs. */
    @ReadOperation
    public Map<String, Object> runtime() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("defaultAlias", cacheback.defaultAlias());
        Map<String, Object> caches = new LinkedHashMap<>();
        cacheback.caches().forEach((alias, backend) -> caches.put(alias, backend.describe()));
        result.put("caches", caches);
        result.put("queue", cacheback.queue().describe());
        result.put("verifyWrites", cacheback.verifyWrites());
        Map<String, Object> jobs = new LinkedHashMap<>();
        cacheback.jobs().stream().sorted(Comparator.comparing(Job::name)).forEach(job -> jobs.put(job.name(), describe(job)));
        result.put("jobs", jobs);
        return result;
    }

    /** One job, or nothing (404) when there is none by that name. */
    @ReadOperation
    public @Nullable Map<String, Object> job(@Selector String name) {
        return cacheback.job(name).map(this::describe).orElse(null);
    }

    /**
     * Invalidates or deletes the entry of one job for one argument.
     *
     * @param name   the job's name
     * @param action {@code invalidate} or {@code delete}
     * @param args   the job's argument as JSON text (see the class comment)
     */
    @WriteOperation
    public Map<String, Object> update(@Selector String name, String action, @Nullable String args) {
        Job<?, ?> job = cacheback.job(name).orElseThrow(() -> new IllegalArgumentException(
                "No job named \"" + name + "\"; registered jobs: " + cacheback.jobs().stream().map(Job::name).sorted().toList()));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("job", name);
        result.put("action", action);
        switch (action) {
            case "invalidate" -> result.put("key", apply(job, args, true));
            case "delete" -> result.put("key", apply(job, args, false));
            default -> throw new IllegalArgumentException("action must be \"invalidate\" or \"delete\", not \"" + action + "\"");
        }
        return result;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private String apply(Job job, String args, boolean invalidate) {
        Object decoded = decode(job, args);
        String key = job.key(decoded);
        if (invalidate) {
            job.invalidate(decoded);
        } else {
            job.delete(decoded);
        }
        return key;
    }

    private Object decode(Job<?, ?> job, String args) {
        MethodJob method = methods.byName(job.name());
        try {
            if (method != null && method == job) {
                JsonNode node = args == null || args.isBlank() ? JSON.createArrayNode() : JSON.readTree(args);
                if (!node.isArray()) {
                    throw new IllegalArgumentException("args of cached method " + job.name() + " must be a JSON array of its "
                            + method.parameterTypes().length + " arguments");
                }
                Type[] types = method.parameterTypes();
                if (node.size() != types.length) {
                    throw new IllegalArgumentException("Cached method " + job.name() + " takes " + types.length
                            + " arguments, not " + node.size());
                }
                List<byte[]> encoded = new ArrayList<>(types.length);
                for (JsonNode element : node) {
                    encoded.add(JSON.writeValueAsBytes(element));
                }
                Object[] values = method.decode(encoded);
                return method.encode(values);
            }
            if (job.argType() == Void.class) {
                return null;
            }
            if (args == null) {
                throw new IllegalArgumentException("Job " + job.name() + " takes an argument of type "
                        + job.argType().getTypeName() + ": give it as args");
            }
            if (job.argType() == String.class && !args.startsWith("\"")) {
                return args;
            }
            return cacheback.codec().decode(args.getBytes(StandardCharsets.UTF_8), job.argType());
        } catch (CodecException | JacksonException e) {
            throw new IllegalArgumentException("args cannot be read as the arguments of job " + job.name() + ": "
                    + e.getMessage(), e);
        }
    }

    private Map<String, Object> describe(Job<?, ?> job) {
        Map<String, Object> d = new LinkedHashMap<>();
        MethodJob method = methods.byName(job.name());
        if (method != null && method == job) {
            d.put("type", "method");
            d.put("method", MethodJob.describe(method.method()));
            d.put("bean", method.beanName());
            List<String> params = new ArrayList<>();
            for (Type t : method.parameterTypes()) {
                params.add(t.getTypeName());
            }
            d.put("parameterTypes", params);
        } else {
            d.put("type", "job");
            d.put("class", job.getClass().getName());
            d.put("argType", job.argType().getTypeName());
        }
        d.put("valueType", job.valueType().getTypeName());
        d.put("cacheAlias", job.cacheAlias() != null ? job.cacheAlias() : cacheback.defaultAlias());
        d.put("lifetime", text(job.lifetime()));
        d.put("refreshTimeout", text(job.refreshTimeout()));
        d.put("cacheTtl", text(job.cacheTtl()));
        d.put("fetchOnMiss", job.fetchOnMiss());
        d.put("fetchOnStaleThreshold", text(job.fetchOnStaleThreshold()));
        d.put("taskOptions", job.taskOptions().toString());
        return d;
    }

    private static String text(Duration duration) {
        return duration == null ? null : duration.toString();
    }
}

package dev.cacheback.internal;

import dev.cacheback.TaskOptions;
import dev.cacheback.spi.MalformedTaskException;
import dev.cacheback.spi.RefreshTask;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wire form of a {@link RefreshTask}: a flat JSON object read field by field into known types.
 * No field names a class, and nothing in it is ever loaded or instantiated by name.
 *
 * <p>Version rule: a field added within a version is optional, and readers ignore fields they do not
 * know, so tasks written by an older or newer release of the same version are read both ways; a
 * change an older reader would misread takes a new version. {@code trace} (the trace context: an
 * object of string values, such as {@code {"traceparent":"00-…-01"}}) was added so, within version 1:
 * tasks without it read as tasks without a trace, and an older worker runs a task with it, ignoring
 * it. A {@code trace} that is not an object of strings is ignored, never a reason to refuse the task.
 */
public final class TaskEnvelope {

    private static final int VERSION = 1;
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private TaskEnvelope() {
    }

    public static byte[] encode(RefreshTask task) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("v", VERSION);
        root.put("job", task.jobName());
        root.put("key", task.key());
        root.put("args", Base64.getEncoder().encodeToString(task.args()));
        ObjectNode init = root.putObject("init");
        task.init().forEach(init::put);
        root.put("createdAt", task.createdAt().toString());
        if (task.leaseToken() != null) {
            root.put("lease", task.leaseToken());
        }
        if (!task.traceContext().isEmpty()) {
            ObjectNode trace = root.putObject("trace");
            task.traceContext().forEach(trace::put);
        }
        TaskOptions options = task.options();
        ObjectNode opts = root.putObject("options");
        if (options.queue() != null) {
            opts.put("queue", options.queue());
        }
        if (options.priority() != null) {
            opts.put("priority", options.priority());
        }
        if (options.delay() != null) {
            opts.put("delay", options.delay().toString());
        }
        if (options.expiration() != null) {
            opts.put("expiration", options.expiration().toString());
        }
        return MAPPER.writeValueAsBytes(root);
    }

    public static RefreshTask decode(byte[] bytes) {
        try {
            JsonNode root = MAPPER.readTree(bytes);
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            int version = required(root, "v").asInt();
            if (version != VERSION) {
                throw new IllegalArgumentException("task format version " + version + " (this version reads " + VERSION + ")");
            }
            Map<String, String> init = new LinkedHashMap<>();
            JsonNode initNode = root.get("init");
            if (initNode != null && initNode.isObject()) {
                for (Map.Entry<String, JsonNode> e : initNode.properties()) {
                    init.put(e.getKey(), e.getValue().asString());
                }
            }
            TaskOptions.Builder options = TaskOptions.builder();
            JsonNode opts = root.get("options");
            if (opts != null && opts.isObject()) {
                if (opts.hasNonNull("queue")) {
                    options.queue(opts.get("queue").asString());
                }
                if (opts.hasNonNull("priority")) {
                    options.priority(opts.get("priority").asInt());
                }
                if (opts.hasNonNull("delay")) {
                    options.delay(Duration.parse(opts.get("delay").asString()));
                }
                if (opts.hasNonNull("expiration")) {
                    options.expiration(Duration.parse(opts.get("expiration").asString()));
                }
            }
            return new RefreshTask(
                    required(root, "job").asString(),
                    required(root, "key").asString(),
                    Base64.getDecoder().decode(required(root, "args").asString()),
                    init,
                    options.build(),
                    Instant.parse(required(root, "createdAt").asString()),
                    root.hasNonNull("lease") ? root.get("lease").asString() : null,
                    trace(root.get("trace")));
        } catch (JacksonException | IllegalArgumentException | java.time.DateTimeException e) {
            throw new MalformedTaskException("Not a Cacheback refresh task (" + bytes.length + " bytes): " + e.getMessage(), e);
        }
    }

    /** The trace context, or empty when there is none or it is not an object of strings. */
    private static Map<String, String> trace(JsonNode node) {
        if (node == null || !node.isObject()) {
            return Map.of();
        }
        Map<String, String> trace = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isString()) {
                return Map.of();
            }
            trace.put(e.getKey(), e.getValue().asString());
        }
        return trace;
    }

    private static JsonNode required(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return node;
    }
}

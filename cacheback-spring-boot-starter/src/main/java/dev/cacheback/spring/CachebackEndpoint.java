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
 *   <li>{@code POST /actuator/cacheback/{job}} with {@code {"action": "invalidate" | "delete", "args": […]}}:
 *       invalidates or deletes one entry, the one a call with those arguments reads. {@code args} is
 *       a JSON array with one element per parameter of a {@link Cached @Cached} method
 *       ({@code ["ACME", 2]}, {@code [{"x": 1, "y": 2}, "p"]}), or for a {@code Job<K, V>} bean the
 *       array of its one argument ({@code ["ACME"]}, {@code [{"id": 7}]}). A single argument may also
 *       be given bare ({@code "args": "ACME"}); an argument that is itself a list must be given in
 *       the array ({@code [["a", "b"]]}). Omitted (or {@code []}) for no arguments. A bare string
 *       holding JSON text ({@code "args": "[\"ACME\"]"}) is refused as the likely mistake it is: to
 *       mean that very string, put it in the array. Each element is decoded with the runtime's codec as
 *       the declared parameter type, which must therefore read JSON (the default codec does). In a
 *       servlet application {@link CachebackEndpointArgsFilter} hands the operation {@code args} as
 *       JSON text, as Actuator reads bodies as strings; elsewhere (JMX, WebFlux) give {@code args}
 *       as JSON text yourself.</li>
 *   <li>Fleet state: each job above carries its {@code state} ({@link dev.cacheback.Job#state()}: hits,
 *       stale, misses, fetches in flight, failures, the last errors, backoff and breaker), and
 *       {@code GET /actuator/cacheback} also shows {@code fleet}: the queue's state per queue (waiting,
 *       retrying, in flight, dead letters; {@code -1} where the broker cannot tell) and its first
 *       {@value #DEAD_LETTERS_SHOWN} dead letters.</li>
 *   <li>{@code GET /actuator/cacheback/queue/dead-letters}: the first {@value #DEAD_LETTERS_LISTED} dead
 *       letters (id, queue, job, key, reason, attempts, when).</li>
 *   <li>{@code POST /actuator/cacheback/queue/dead-letters} with {@code {"id": "…"}} re-queues one dead
 *       letter, with {@code {"all": true}} every one held; answers how many were re-queued. An id no dead
 *       letter has answers 404.</li>
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
        result.put("fleet", fleet());
        return result;
    }

    // ------------------------------------------------------------------ fleet state

    /** How many dead letters {@link #runtime()} shows. */
    static final int DEAD_LETTERS_SHOWN = 20;
    /** How many dead letters {@link #deadLetters} lists. */
    static final int DEAD_LETTERS_LISTED = 100;

    private Map<String, Object> fleet() {
        dev.cacheback.FleetState state = cacheback.state();
        Map<String, Object> fleet = new LinkedHashMap<>();
        fleet.put("at", state.at().toString());
        fleet.put("queue", state.queue());
        fleet.put("queues", state.queues().stream().map(CachebackEndpoint::queueState).toList());
        if (state.queueError() != null) {
            fleet.put("queueError", state.queueError());
            fleet.put("deadLetters", List.of());
            return fleet;
        }
        try {
            fleet.put("deadLetters", cacheback.queue().deadLetters(DEAD_LETTERS_SHOWN).stream()
                    .map(CachebackEndpoint::deadLetter).toList());
        } catch (RuntimeException e) {
            fleet.put("queueError", String.valueOf(e.getMessage()));
            fleet.put("deadLetters", List.of());
        }
        return fleet;
    }

    /** The paths below the endpoint's of the dead-letter operations: {@code queue/dead-letters}. */
    private static void requireDeadLettersPath(String section, String what) {
        if (!"queue".equals(section) || !"dead-letters".equals(what)) {
            throw new NoSuchJobException("No operation at " + section + "/" + what + "; dead letters are at queue/dead-letters");
        }
    }

    /**
     * The first {@value #DEAD_LETTERS_LISTED} dead letters, oldest first: {@code GET /actuator/cacheback/queue/dead-letters}.
     *
     * @throws NoSuchJobException when the path is not {@code queue/dead-letters}
     * @throws dev.cacheback.spi.RefreshQueueException when the broker does not answer
     */
    @ReadOperation
    public Map<String, Object> deadLetters(@Selector String section, @Selector String what) {
        requireDeadLettersPath(section, what);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("queue", cacheback.queue().describe());
        result.put("deadLetters", cacheback.queue().deadLetters(DEAD_LETTERS_LISTED).stream()
                .map(CachebackEndpoint::deadLetter).toList());
        return result;
    }

    /**
     * Re-queues one dead letter ({@code id}) or every one ({@code all} true):
     * {@code POST /actuator/cacheback/queue/dead-letters}.
     *
     * @throws NoSuchJobException when the path is not {@code queue/dead-letters}, or no dead letter has {@code id}
     * @throws IllegalArgumentException when neither or both of {@code id} and {@code all} are given
     * @throws dev.cacheback.spi.RefreshQueueException when the broker does not answer
     */
    @WriteOperation
    public Map<String, Object> requeue(@Selector String section, @Selector String what, @Nullable String id,
                                       @Nullable Boolean all) {
        requireDeadLettersPath(section, what);
        boolean everyOne = Boolean.TRUE.equals(all);
        if ((id == null) == !everyOne) {
            throw new IllegalArgumentException("Give either \"id\" (one dead letter, as listed at queue/dead-letters) "
                    + "or \"all\": true, not " + (id == null ? "neither" : "both"));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        if (everyOne) {
            result.put("requeued", cacheback.queue().requeueAll());
            return result;
        }
        if (!cacheback.queue().requeue(id)) {
            throw new NoSuchJobException("No dead letter has id \"" + id + "\" (it may have been re-queued already); "
                    + "list them at queue/dead-letters");
        }
        result.put("id", id);
        result.put("requeued", 1);
        return result;
    }

    static Map<String, Object> jobState(dev.cacheback.JobState state) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hits", state.hits());
        m.put("stale", state.stale());
        m.put("misses", state.misses());
        m.put("refreshesInFlight", state.refreshesInFlight());
        m.put("refreshFailures", state.refreshFailures());
        m.put("lastErrors", state.lastErrors().stream().map(e -> {
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("at", e.at().toString());
            error.put("key", e.key());
            error.put("message", e.message());
            return error;
        }).toList());
        if (state.backoff() != null) {
            Map<String, Object> backoff = new LinkedHashMap<>();
            backoff.put("initial", state.backoff().initial().toString());
            backoff.put("max", state.backoff().max().toString());
            backoff.put("backedOff", state.backoff().backedOff());
            backoff.put("lastUntil", state.backoff().lastUntil() == null ? null : state.backoff().lastUntil().toString());
            m.put("backoff", backoff);
        }
        if (state.breaker() != null) {
            Map<String, Object> breaker = new LinkedHashMap<>();
            breaker.put("state", state.breaker().state().name());
            breaker.put("failures", state.breaker().failures());
            breaker.put("nextProbe", state.breaker().nextProbe() == null ? null : state.breaker().nextProbe().toString());
            breaker.put("lastFailure", state.breaker().lastFailure());
            m.put("breaker", breaker);
        }
        return m;
    }

    static Map<String, Object> queueState(dev.cacheback.spi.QueueState q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queue", q.queue());
        m.put("waiting", q.waiting());
        m.put("retrying", q.retrying());
        m.put("inFlight", q.inFlight());
        m.put("deadLetters", q.deadLetters());
        return m;
    }

    static Map<String, Object> deadLetter(dev.cacheback.spi.DeadLetter d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("queue", d.queue());
        m.put("job", d.jobName());
        m.put("key", d.key());
        m.put("reason", d.reason());
        m.put("attempts", d.attempts());
        m.put("deadAt", d.deadAt() == null ? null : d.deadAt().toString());
        return m;
    }

    /** One job, or nothing (404) when there is none by that name. */
    @ReadOperation
    public @Nullable Map<String, Object> job(@Selector String name) {
        return cacheback.job(name).map(this::describe).orElse(null);
    }

    /** The actions of {@link #update}. */
    static final List<String> ACTIONS = List.of("invalidate", "delete");

    /**
     * Invalidates or deletes the entry of one job for one argument.
     *
     * @param name   the job's name
     * @param action {@code invalidate} or {@code delete}
     * @param args   the job's arguments as JSON text: an array, one element per parameter, or a single
     *               argument (see the class comment); text that is not JSON is taken as a bare string
     * @throws NoSuchJobException when no job has that name
     * @throws IllegalArgumentException naming the problem, when the action or arguments are wrong
     */
    @WriteOperation
    public Map<String, Object> update(@Selector String name, @Nullable String action, @Nullable String args) {
        Job<?, ?> job = cacheback.job(name).orElseThrow(() -> new NoSuchJobException(
                "No job named \"" + name + "\"; registered jobs: " + cacheback.jobs().stream().map(Job::name).sorted().toList()));
        if (action == null || !ACTIONS.contains(action)) {
            throw new IllegalArgumentException((action == null ? "action is missing" : "Unknown action \"" + action + "\"")
                    + "; valid actions: " + ACTIONS);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("job", name);
        result.put("action", action);
        result.put("key", apply(job, args, action.equals("invalidate")));
        return result;
    }

    /** No job has the name given: answered 404 on the web. */
    static final class NoSuchJobException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NoSuchJobException(String message) {
            super(message);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private String apply(Job job, @Nullable String args, boolean invalidate) {
        Object decoded = decode(job, args);
        String key = job.key(decoded);
        if (invalidate) {
            job.invalidate(decoded);
        } else {
            job.delete(decoded);
        }
        return key;
    }

    /** {@code args} as a JSON tree: {@code null} when omitted; text that is not JSON is a bare string. */
    private static @Nullable JsonNode parse(@Nullable String args) {
        if (args == null) {
            return null;
        }
        JsonNode node;
        try {
            node = JSON.readTree(args);
        } catch (JacksonException notJson) {
            return JSON.getNodeFactory().stringNode(args);
        }
        if (node == null || node.isMissingNode()) {
            return JSON.getNodeFactory().stringNode(args);
        }
        if (node.isString()) {
            String text = node.stringValue().trim();
            if (text.startsWith("[") || text.startsWith("{")) {
                try {
                    JSON.readTree(text);
                    throw new IllegalArgumentException("args is a string holding JSON text (" + node.stringValue()
                            + "): send the JSON value itself, e.g. \"args\": [\"ACME\"]; to mean that very string, "
                            + "put it in the array of arguments");
                } catch (JacksonException notJsonText) {
                    // a string that merely starts with a bracket
                }
            }
        }
        return node;
    }

    private @Nullable Object decode(Job<?, ?> job, @Nullable String text) {
        MethodJob method = methods.byName(job.name());
        try {
            JsonNode args = parse(text);
            if (method != null && method == job) {
                Type[] types = method.parameterTypes();
                List<JsonNode> values = new ArrayList<>();
                if (args != null && args.isArray()) {
                    args.forEach(values::add);
                } else if (args != null && !args.isNull()) {
                    if (types.length != 1) {
                        throw new IllegalArgumentException("args of cached method " + job.name() + " must be a JSON array of its "
                                + types.length + " arguments, e.g. [\"ACME\", 2]");
                    }
                    values.add(args);
                }
                if (values.size() != types.length) {
                    throw new IllegalArgumentException("Cached method " + job.name() + " takes " + types.length
                            + " argument" + (types.length == 1 ? "" : "s") + ", not " + values.size()
                            + ": give args as a JSON array with one element per argument");
                }
                List<byte[]> encoded = new ArrayList<>(types.length);
                for (JsonNode element : values) {
                    encoded.add(JSON.writeValueAsBytes(element));
                }
                return method.encode(method.decode(encoded));
            }
            if (job.argType() == Void.class) {
                if (args != null && !args.isNull() && !(args.isArray() && args.isEmpty())) {
                    throw new IllegalArgumentException("Job " + job.name() + " takes no argument: omit args");
                }
                return null;
            }
            JsonNode value;
            if (args == null || args.isNull()) {
                throw new IllegalArgumentException("Job " + job.name() + " takes an argument of type "
                        + job.argType().getTypeName() + ": give it as args, e.g. \"args\": [\"ACME\"]");
            } else if (args.isArray()) {
                if (args.size() != 1) {
                    throw new IllegalArgumentException("Job " + job.name() + " takes one argument of type "
                            + job.argType().getTypeName() + ", not " + args.size() + ": give args as [argument] or the argument itself");
                }
                value = args.get(0);
            } else {
                value = args;
            }
            return cacheback.codec().decode(JSON.writeValueAsBytes(value), job.argType());
        } catch (CodecException | JacksonException e) {
            throw new IllegalArgumentException("args cannot be read as the arguments of job " + job.name() + ": "
                    + e.getMessage(), e);
        }
    }

    Map<String, Object> describe(Job<?, ?> job) {
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
        d.put("failSafeMaxStaleness", text(job.failSafeMaxStaleness()));
        d.put("softFetchTimeout", text(job.softFetchTimeout()));
        d.put("hardFetchTimeout", text(job.hardFetchTimeout()));
        d.put("sourceBreakerFailures", job.settings().sourceBreakerFailures());
        d.put("sourceBreakerWindow", text(job.settings().sourceBreakerWindow()));
        d.put("refreshBackoffInitial", text(job.settings().refreshBackoffInitial()));
        d.put("refreshBackoffMax", text(job.settings().refreshBackoffMax()));
        d.put("earlyRefreshBeta", job.settings().earlyRefreshBeta());
        d.put("refreshAhead", job.settings().refreshAhead());
        d.put("sourceState", job.sourceState().name());
        d.put("state", jobState(job.state()));
        return d;
    }

    private static String text(Duration duration) {
        return duration == null ? null : duration.toString();
    }
}

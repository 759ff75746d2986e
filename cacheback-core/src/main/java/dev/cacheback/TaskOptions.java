package dev.cacheback;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Options handed to the refresh queue with each task of a job (the seed's {@code task_options}):
 * the queue to use, a priority, a delay before the task may run, an expiration after which it is
 * pointless. Each queue documents which it honours and rejects the others with a clear error when a
 * job is created, so a misconfiguration never waits for the first stale read.
 *
 * <p>Immutable. {@link #none()} sets nothing.
 */
public final class TaskOptions {

    /** The options a queue may honour. */
    public enum Option {
        QUEUE("queue"), PRIORITY("priority"), DELAY("delay"), EXPIRATION("expiration");

        private final String label;

        Option(String label) {
            this.label = label;
        }

        /** The option's name as written in configuration. */
        public String label() {
            return label;
        }
    }

    private static final TaskOptions NONE = new TaskOptions(null, null, null, null, Map.of());

    private final String queue;
    private final Integer priority;
    private final Duration delay;
    private final Duration expiration;
    private final Map<String, String> unknown;

    private TaskOptions(String queue, Integer priority, Duration delay, Duration expiration, Map<String, String> unknown) {
        this.queue = queue;
        this.priority = priority;
        this.delay = delay;
        this.expiration = expiration;
        this.unknown = unknown;
    }

    /** No options: the queue's defaults. */
    public static TaskOptions none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads options from a map, as configuration files give them: {@code queue} (text),
     * {@code priority} (whole number), {@code delay} and {@code expiration} (a {@link Duration}, a
     * number of seconds, or ISO-8601 text such as {@code PT30S}). Names this class does not know are
     * kept, so that {@link #requireOnly} can name them in its error.
     *
     * @throws IllegalArgumentException for a value of the wrong form
     */
    public static TaskOptions fromMap(Map<String, ?> options) {
        Objects.requireNonNull(options, "options");
        Builder builder = builder();
        Map<String, String> unknown = new LinkedHashMap<>();
        options.forEach((name, value) -> {
            Objects.requireNonNull(value, () -> "task option '" + name + "' is null");
            switch (name) {
                case "queue" -> builder.queue(value.toString());
                case "priority" -> builder.priority(value instanceof Number n ? n.intValue() : parseInt(name, value));
                case "delay" -> builder.delay(duration(name, value));
                case "expiration" -> builder.expiration(duration(name, value));
                default -> unknown.put(name, value.toString());
            }
        });
        TaskOptions parsed = builder.build();
        return unknown.isEmpty() ? parsed
                : new TaskOptions(parsed.queue, parsed.priority, parsed.delay, parsed.expiration,
                        Collections.unmodifiableMap(unknown));
    }

    /** The queue name, or {@code null} for the queue's default. */
    public String queue() {
        return queue;
    }

    /** The priority, or {@code null}. */
    public Integer priority() {
        return priority;
    }

    /** How long the task waits before it may run, or {@code null}. */
    public Duration delay() {
        return delay;
    }

    /** How long after its creation the task is dropped unrun, or {@code null} for never. */
    public Duration expiration() {
        return expiration;
    }

    /** Options this class does not know, by name, as read by {@link #fromMap}. */
    public Map<String, String> unknown() {
        return unknown;
    }

    /** The known options that are set. */
    public Set<Option> present() {
        Set<Option> set = EnumSet.noneOf(Option.class);
        if (queue != null) {
            set.add(Option.QUEUE);
        }
        if (priority != null) {
            set.add(Option.PRIORITY);
        }
        if (delay != null) {
            set.add(Option.DELAY);
        }
        if (expiration != null) {
            set.add(Option.EXPIRATION);
        }
        return set;
    }

    /** Whether no option is set. */
    public boolean isEmpty() {
        return present().isEmpty() && unknown.isEmpty();
    }

    /**
     * Throws unless every option set is in {@code honoured}: the check a queue's
     * {@code validate} makes.
     *
     * @param queueDescription how the error names the queue, such as {@code "The in-process refresh queue"}
     * @throws IllegalArgumentException naming every option not honoured, and those that are
     */
    public void requireOnly(String queueDescription, Set<Option> honoured) {
        List<String> refused = new ArrayList<>();
        for (Option option : present()) {
            if (!honoured.contains(option)) {
                refused.add(option.label());
            }
        }
        refused.addAll(unknown.keySet());
        if (!refused.isEmpty()) {
            StringJoiner honouredNames = new StringJoiner(", ");
            honoured.forEach(o -> honouredNames.add(o.label()));
            throw new IllegalArgumentException(queueDescription + " does not honour task option"
                    + (refused.size() > 1 ? "s " : " ") + String.join(", ", refused) + "; it honours "
                    + (honoured.isEmpty() ? "none" : honouredNames.toString())
                    + ". Remove " + (refused.size() > 1 ? "them" : "it") + " from the job's taskOptions.");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TaskOptions t && Objects.equals(queue, t.queue) && Objects.equals(priority, t.priority)
                && Objects.equals(delay, t.delay) && Objects.equals(expiration, t.expiration)
                && unknown.equals(t.unknown);
    }

    @Override
    public int hashCode() {
        return Objects.hash(queue, priority, delay, expiration, unknown);
    }

    @Override
    public String toString() {
        StringJoiner joiner = new StringJoiner(", ", "TaskOptions[", "]");
        if (queue != null) {
            joiner.add("queue=" + queue);
        }
        if (priority != null) {
            joiner.add("priority=" + priority);
        }
        if (delay != null) {
            joiner.add("delay=" + delay);
        }
        if (expiration != null) {
            joiner.add("expiration=" + expiration);
        }
        unknown.forEach((k, v) -> joiner.add(k + "=" + v));
        return joiner.toString();
    }

    private static int parseInt(String name, Object value) {
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("task option '" + name + "' must be a whole number, not \"" + value + "\"", e);
        }
    }

    private static Duration duration(String name, Object value) {
        if (value instanceof Duration d) {
            return d;
        }
        if (value instanceof Number n) {
            return Duration.ofMillis(Math.round(n.doubleValue() * 1000));
        }
        String text = value.toString().trim();
        try {
            return text.startsWith("P") || text.startsWith("p") ? Duration.parse(text)
                    : Duration.ofMillis(Math.round(Double.parseDouble(text) * 1000));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("task option '" + name
                    + "' must be a duration (seconds, or ISO-8601 such as PT30S), not \"" + value + "\"", e);
        }
    }

    /** Builds {@link TaskOptions}. Setting an option twice is an error. Not thread-safe. */
    public static final class Builder {
        private String queue;
        private Integer priority;
        private Duration delay;
        private Duration expiration;

        private Builder() {
        }

        /** The queue to put tasks on. */
        public Builder queue(String queue) {
            Settings.requireUnset(this.queue, "queue");
            if (Objects.requireNonNull(queue, "queue").isBlank()) {
                throw new IllegalArgumentException("task option 'queue' must not be blank");
            }
            this.queue = queue;
            return this;
        }

        /** The task's priority; how it is read (and its range) is the queue's. */
        public Builder priority(int priority) {
            Settings.requireUnset(this.priority, "priority");
            this.priority = priority;
            return this;
        }

        /** Waits this long before the task may run. */
        public Builder delay(Duration delay) {
            Settings.requireUnset(this.delay, "delay");
            this.delay = Settings.requireNonNegative(delay, "delay");
            return this;
        }

        /** Drops the task unrun if it has not started this long after its creation. */
        public Builder expiration(Duration expiration) {
            Settings.requireUnset(this.expiration, "expiration");
            this.expiration = Settings.requirePositive(expiration, "expiration");
            return this;
        }

        public TaskOptions build() {
            if (queue == null && priority == null && delay == null && expiration == null) {
                return NONE;
            }
            return new TaskOptions(queue, priority, delay, expiration, Map.of());
        }
    }
}

package dev.cacheback.spring;

import org.springframework.boot.convert.DurationStyle;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Reads the free-form {@code options} map of a cache or queue, rejecting names it does not know. */
final class Options {

    private final String owner;
    private final Map<String, String> values;

    Options(String owner, Map<String, String> values, Set<String> known) {
        this.owner = owner;
        this.values = new LinkedHashMap<>(values);
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException(owner + " has unknown option" + (unknown.size() > 1 ? "s " : " ") + unknown
                    + "; it knows " + new TreeSet<>(known));
        }
    }

    /** Calls {@code setter} with {@code value} when it is not null. */
    static <T> void ifSet(T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    String string(String name) {
        String value = values.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    Long number(String name) {
        String value = string(name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {  // the message says it all
            throw new IllegalStateException(owner + " option " + name + " must be a whole number, not \"" + value + "\"");
        }
    }

    Boolean bool(String name) {
        String value = string(name);
        if (value == null) {
            return null;
        }
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new IllegalStateException(owner + " option " + name + " must be true or false, not \"" + value + "\"");
        }
        return Boolean.parseBoolean(value);
    }

    Duration duration(String name) {
        String value = string(name);
        if (value == null) {
            return null;
        }
        try {
            return DurationStyle.detectAndParse(value, ChronoUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(owner + " option " + name + " must be a duration (10s, 500ms, PT1M), not \""
                    + value + "\"", e);
        }
    }
}

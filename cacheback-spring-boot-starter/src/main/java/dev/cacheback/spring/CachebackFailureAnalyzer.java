package dev.cacheback.spring;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Collectors;

/**
 * Reports Cacheback's start-up failures as Spring Boot's "APPLICATION FAILED TO START" Description
 * and Action: a {@link CachebackConfigurationException} anywhere in the cause chain, and a
 * {@code cacheback.*} value that cannot be converted (naming the valid values, the nearest first).
 * Registered in {@code META-INF/spring.factories}; ahead of Boot's own analyzers for these two cases
 * only. Stateless and thread-safe.
 */
final class CachebackFailureAnalyzer implements FailureAnalyzer, Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CachebackConfigurationException c) {
                return new FailureAnalysis(c.description(), c.action(), c);
            }
            if (t instanceof BindException b && b.getName() != null && b.getName().toString().startsWith("cacheback.")) {
                return bind(b);
            }
        }
        return null;
    }

    private static FailureAnalysis bind(BindException e) {
        String key = e.getName().toString();
        ConfigurationProperty property = e.getProperty();
        Object value = property != null ? property.getValue() : null;
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        Class<?> target = e.getTarget() != null ? e.getTarget().getType().resolve() : null;
        StringBuilder description = new StringBuilder("Cacheback property ").append(key);
        if (value != null && !secret(key)) {
            description.append(" has the value \"").append(value).append('"');
        }
        if (property != null && property.getOrigin() != null) {
            description.append(" (").append(property.getOrigin()).append(')');
        }
        description.append(", which cannot be bound");
        if (target != null) {
            description.append(" to ").append(target.getSimpleName());
        }
        description.append(": ").append(cause.getMessage());
        String action;
        if (target != null && target.isEnum()) {
            String given = value == null ? "" : value.toString().trim().toLowerCase(java.util.Locale.ROOT);
            String valid = Arrays.stream(target.getEnumConstants()).map(c -> CachebackAutoConfiguration.name((Enum<?>) c))
                    .sorted(Comparator.comparingInt(v -> CachebackPropertyChecker.distance(given, v)))
                    .collect(Collectors.joining(", "));
            action = "Set " + key + " to one of: " + valid + ".";
        } else if (target == java.time.Duration.class) {
            action = "Set " + key + " to a duration, such as 500ms, 2s or PT1M (a plain number is seconds for options).";
        } else {
            action = "Set " + key + " to a value of type " + (target != null ? target.getSimpleName() : "the property")
                    + " (the configuration metadata describes each Cacheback key).";
        }
        return new FailureAnalysis(description.toString(), action, e);
    }

    /** Values of addresses may carry a password: never shown. */
    private static boolean secret(String key) {
        return key.endsWith(".address");
    }
}

package dev.cacheback.jpa;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers for filter and parameter maps, which may hold {@code null} values (IS NULL). */
final class Filters {

    private Filters() {
    }

    /** An unmodifiable copy that keeps {@code null} values and the given order. */
    static Map<String, Object> copy(Map<String, ?> filters) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(filters));
    }
}

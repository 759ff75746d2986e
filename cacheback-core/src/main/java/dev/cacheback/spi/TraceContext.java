package dev.cacheback.spi;

import java.util.LinkedHashMap;
import java.util.Map;

/** The rule a task's trace context follows ({@link RefreshTask#traceContext()}). */
final class TraceContext {

    static final int MAX_ENTRIES = 8;
    static final int MAX_NAME = 64;
    static final int MAX_VALUE = 1024;

    private TraceContext() {
    }

    /** The entries of {@code headers} that follow the rule (the first {@value #MAX_ENTRIES}), unmodifiable. */
    static Map<String, String> sanitize(Map<String, String> headers) {
        if (headers.isEmpty()) {
            return Map.of();
        }
        Map<String, String> kept = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (kept.size() == MAX_ENTRIES) {
                break;
            }
            if (validName(e.getKey()) && validValue(e.getValue())) {
                kept.put(e.getKey(), e.getValue());
            }
        }
        return kept.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(kept);
    }

    private static boolean validName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean validValue(String value) {
        if (value == null || value.length() > MAX_VALUE) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}

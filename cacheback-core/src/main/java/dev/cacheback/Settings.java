package dev.cacheback;

import java.time.Duration;
import java.util.Objects;

/** Checks shared by the builders. */
final class Settings {

    private Settings() {
    }

    static void requireUnset(Object current, String option) {
        if (current != null) {
            throw new IllegalStateException(option + " was already set to " + current);
        }
    }

    static Duration requirePositive(Duration value, String option) {
        Objects.requireNonNull(value, option);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(option + " must be positive, not " + value);
        }
        return value;
    }

    static Duration requireNonNegative(Duration value, String option) {
        Objects.requireNonNull(value, option);
        if (value.isNegative()) {
            throw new IllegalArgumentException(option + " must not be negative, not " + value);
        }
        return value;
    }
}

package dev.cacheback.spring;

/**
 * A configuration mistake found at start-up (an unknown {@code cacheback.*} key, an option of another
 * type, a missing address or module, a value out of range), with what is wrong and how to fix it;
 * {@link CachebackFailureAnalyzer} shows the two as Spring Boot's Description and Action.
 */
final class CachebackConfigurationException extends IllegalStateException {

    private final String description;
    private final String action;

    /**
     * @param description what is wrong, naming the property (never a credential)
     * @param action how to fix it
     */
    CachebackConfigurationException(String description, String action) {
        super(description + " " + action);
        this.description = description;
        this.action = action;
    }

    /** What is wrong, naming the property. */
    String description() {
        return description;
    }

    /** How to fix it. */
    String action() {
        return action;
    }
}

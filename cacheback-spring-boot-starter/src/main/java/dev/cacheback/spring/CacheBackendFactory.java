package dev.cacheback.spring;

import dev.cacheback.spi.CacheBackend;

/** Creates the caches of one {@link CachebackProperties.CacheType}; one bean per optional module present. */
interface CacheBackendFactory {

    CachebackProperties.CacheType type();

    /**
     * A cache from its properties (its address and the options group of its type).
     *
     * @throws CachebackConfigurationException naming the property to fix
     */
    CacheBackend create(String alias, CachebackProperties.Cache cache);

    /** {@code cacheback.caches.<alias>}, for messages. */
    static String prefix(String alias) {
        return "cacheback.caches." + alias;
    }

    /** The address, trimmed. @throws CachebackConfigurationException when it is missing */
    static String requireAddress(String prefix, String address, String example) {
        if (address == null || address.isBlank()) {
            throw new CachebackConfigurationException(prefix + ".address is not set.",
                    "Set " + prefix + ".address, such as " + prefix + ".address=" + example + ".");
        }
        return address.trim();
    }

    /**
     * Runs {@code build}, turning the builder's refusal (an option out of range) into a configuration
     * error naming the properties under {@code prefix}.
     */
    static <T> T build(String prefix, java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e instanceof CachebackConfigurationException c) {
                throw c;
            }
            throw new CachebackConfigurationException("The properties under " + prefix + " are refused: " + e.getMessage(),
                    "Fix the value under " + prefix + " that the message names (options use kebab-case, such as "
                            + "command-timeout for commandTimeout).");
        }
    }

    /** Calls {@code setter} with {@code value} when it is set (not null): for optional typed options. */
    static <T> void ifSet(T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}

package dev.cacheback.spring;

/**
 * Adjusts the {@link dev.cacheback.Cacheback.Builder} the auto-configuration builds the runtime with:
 * declare beans of this type to add caches, listeners or a clock. Customizers run in
 * {@link org.springframework.core.Ordered order}, after the {@code cacheback.*} properties were
 * applied; properties left at their defaults are not set on the builder, so a customizer may set
 * them (setting an option twice is an {@link IllegalStateException}). The caches of
 * {@code cacheback.caches} (or, when none is configured, one in-memory cache under the default alias)
 * are always added first; a customizer may add more.
 */
@FunctionalInterface
public interface CachebackBuilderCustomizer {

    /** Customizes the builder. */
    void customize(dev.cacheback.Cacheback.Builder builder);
}

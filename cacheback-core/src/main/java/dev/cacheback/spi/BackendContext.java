package dev.cacheback.spi;

import java.time.Clock;

/** What a {@link CacheBackend} learns from the runtime that opens it. */
public interface BackendContext {

    /** The alias the backend is registered under, such as {@code "default"}. */
    String alias();

    /** The runtime's clock: the only source of time a backend may use. */
    Clock clock();
}

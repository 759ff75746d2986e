/**
 * Cacheback instrumentation on Micrometer: observations (metrics and traces through one
 * {@code ObservationRegistry}) and meters, usable without Spring.
 */
module dev.cacheback.micrometer {
    requires transitive dev.cacheback;
    requires transitive micrometer.observation;
    requires static transitive micrometer.core;

    exports dev.cacheback.micrometer;
}

/**
 * Cacheback on Micrometer, without Spring: {@link dev.cacheback.micrometer.CachebackObservations}
 * (observations of gets, fetches, enqueues and worker refreshes, for metrics and traces, with the
 * trace context carried in every refresh task) and {@link dev.cacheback.micrometer.CachebackMetrics}
 * (counters of every engine decision).
 */
package dev.cacheback.micrometer;

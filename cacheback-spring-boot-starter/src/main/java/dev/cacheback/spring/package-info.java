/**
 * Spring Boot 4 support for Cacheback: auto-configuration of the runtime from {@code cacheback.*}
 * properties ({@link dev.cacheback.spring.CachebackProperties}), the method annotations
 * ({@link dev.cacheback.spring.Cached @Cached}, {@link dev.cacheback.spring.CachedPut @CachedPut},
 * {@link dev.cacheback.spring.CachedInvalidate @CachedInvalidate},
 * {@link dev.cacheback.spring.CachedDelete @CachedDelete}) and {@link dev.cacheback.spring.CachebackMethods} to reach its jobs,
 * {@link dev.cacheback.spring.CachebackBuilderCustomizer} to adjust the runtime,
 * {@link dev.cacheback.micrometer.CachebackMetrics} and {@link dev.cacheback.micrometer.CachebackObservations}
 * (module {@code cacheback-micrometer}) for Micrometer, and the {@code cacheback} Actuator endpoint
 * ({@link dev.cacheback.spring.CachebackEndpoint}) and health contributor.
 *
 * <p>Redis, memcached and RabbitMQ are wired only when their modules ({@code cacheback-redis},
 * {@code cacheback-memcached}, {@code cacheback-rabbitmq}) are on the classpath; the rest of this
 * package is package-private.
 */
package dev.cacheback.spring;

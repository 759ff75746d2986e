/**
 * Spring Boot 4 support for Cacheback: auto-configuration of the runtime from {@code cacheback.*}
 * properties ({@link dev.cacheback.spring.CachebackProperties}), the {@link dev.cacheback.spring.Cacheback @Cacheback}
 * method annotation and {@link dev.cacheback.spring.CachebackMethods} to reach its jobs,
 * {@link dev.cacheback.spring.CachebackBuilderCustomizer} to adjust the runtime,
 * {@link dev.cacheback.spring.CachebackMetrics} for Micrometer, and the {@code cacheback} Actuator
 * endpoint ({@link dev.cacheback.spring.CachebackEndpoint}) and health contributor.
 *
 * <p>Redis, memcached and RabbitMQ are wired only when their modules ({@code cacheback-redis},
 * {@code cacheback-memcached}, {@code cacheback-rabbitmq}) are on the classpath; the rest of this
 * package is package-private.
 */
package dev.cacheback.spring;

package dev.cacheback.spring;

import dev.cacheback.CachebackListener;
import dev.cacheback.micrometer.CachebackMetrics;
import dev.cacheback.NearCache;
import dev.cacheback.spi.Backplane;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.RefreshQueue;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the Cacheback runtime from {@code cacheback.*} properties, makes it the default, and closes
 * it when the context closes; backs off when the application defines its own
 * {@link dev.cacheback.Cacheback} bean. Redis, memcached and RabbitMQ are only touched when their
 * modules are on the classpath. Also proxies {@link Cached @Cached} methods, starts the workers once
 * the context is refreshed and keeps a worker node's JVM up ({@link WorkerNode}) and, with
 * Micrometer, records metrics ({@link CachebackMetrics}, with a {@code MeterRegistry} bean) and
 * observations ({@link dev.cacheback.micrometer.CachebackObservations}, with an
 * {@code ObservationRegistry} bean; an {@link dev.cacheback.Instrumentation} bean replaces them).
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@ConditionalOnClass(dev.cacheback.Cacheback.class)
@ConditionalOnBooleanProperty(name = "cacheback.enabled", matchIfMissing = true)
@EnableConfigurationProperties(CachebackProperties.class)
@Import({CachebackRedisConfiguration.class, CachebackMemcachedConfiguration.class, CachebackRabbitConfiguration.class})
public class CachebackAutoConfiguration {

    /** Fails start-up on a {@code cacheback.*} key that names no property, before anything is bound. */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static CachebackPropertyChecker cachebackPropertyChecker(org.springframework.core.env.Environment environment) {
        return new CachebackPropertyChecker(environment);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    QueueHealthTracker cachebackQueueHealthTracker(ObjectProvider<dev.cacheback.Cacheback> cacheback) {
        return new QueueHealthTracker(() -> {
            dev.cacheback.Cacheback runtime = cacheback.getIfAvailable();
            return runtime != null ? runtime.clock() : java.time.Clock.systemUTC();
        });
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    WorkerNode cachebackWorkerNode(ObjectProvider<dev.cacheback.Cacheback> cacheback, CachebackProperties properties) {
        return new WorkerNode(cacheback, properties);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static CachedMethodRegistry cachebackMethodRegistry() {
        return new CachedMethodRegistry();
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static CachedMethodPostProcessor cachebackMethodPostProcessor(ObjectProvider<dev.cacheback.Cacheback> cacheback,
            ObjectProvider<CachedMethodRegistry> registry) {
        return new CachedMethodPostProcessor(cacheback, registry.getObject());
    }

    @Bean
    @ConditionalOnMissingBean
    CachebackMethods cachebackMethods(CachedMethodRegistry registry) {
        return new CachebackMethods(registry);
    }

    /** The runtime, unless the application defines its own. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(dev.cacheback.Cacheback.class)
    static class RuntimeConfiguration {

        @Bean(destroyMethod = "close")
        StaleReadDispatcher cachebackStaleReadDispatcher(CachebackProperties properties) {
            return new StaleReadDispatcher(properties.isMarkStaleInBackground());
        }

        @Bean(destroyMethod = "close")
        dev.cacheback.Cacheback cacheback(CachebackProperties properties, ObjectProvider<Codec> codec,
                ObjectProvider<CachebackListener> listeners, ObjectProvider<CachebackBuilderCustomizer> customizers,
                ObjectProvider<CacheBackendFactory> cacheFactories, ObjectProvider<RefreshQueueFactory> queueFactories,
                ObjectProvider<BackplaneFactory> backplaneFactories,
                InProcessWorkerPool workerPool, StaleReadDispatcher staleReadDispatcher) {
            dev.cacheback.Cacheback.Builder builder = dev.cacheback.Cacheback.builder();
            if (staleReadDispatcher.executor() != null) {
                builder.markStaleInBackground(staleReadDispatcher.executor());
            }
            List<AutoCloseable> created = new ArrayList<>();
            try {
                if (!"default".equals(properties.getDefaultAlias())) {
                    builder.defaultAlias(properties.getDefaultAlias());
                }
                if (!properties.isVerifyWrites()) {
                    builder.verifyWrites(false);
                }
                if (!dev.cacheback.Cacheback.DEFAULT_CLOCK_TICK.equals(properties.getClockTick())) {
                    builder.clockTick(properties.getClockTick());
                }
                if (!Duration.ofSeconds(30).equals(properties.getErrorLogInterval())) {
                    builder.errorLogInterval(properties.getErrorLogInterval());
                }
                codec.ifAvailable(builder::codec);
                builder.retryPolicy(properties.getRetry().toPolicy());
                if (properties.getCaches().isEmpty()) {
                    builder.cache(properties.getDefaultAlias(), CacheBackend.inMemory());
                }
                properties.getCaches().forEach((alias, cache) -> {
                    CacheBackend backend = cache(alias, cache, cacheFactories);
                    created.add(backend);
                    if (cache.getNear().isEnabled()) {
                        backend = near(alias, cache, backend, backplaneFactories);
                        created.set(created.size() - 1, backend);
                    }
                    builder.cache(alias, backend);
                });
                RefreshQueue queue = queue(properties, queueFactories, workerPool);
                if (queue != null) {
                    created.add(queue);
                    builder.queue(queue);
                }
                listeners.orderedStream().forEach(builder::listener);
                customizers.orderedStream().forEach(c -> c.customize(builder));
                dev.cacheback.Cacheback cacheback = builder.build();
                if (properties.isMakeDefault()) {
                    cacheback.makeDefault();
                }
                return cacheback;
            } catch (RuntimeException e) {
                for (AutoCloseable c : created) {   // connections a half-configured runtime would leak
                    try {
                        c.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }

        @Bean(destroyMethod = "close")
        @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
        InProcessWorkerPool cachebackWorkerPool(CachebackProperties properties) {
            return new InProcessWorkerPool(properties);
        }
    }

    private static CacheBackend cache(String alias, CachebackProperties.Cache cache,
            ObjectProvider<CacheBackendFactory> factories) {
        String prefix = CacheBackendFactory.prefix(alias);
        return switch (cache.getType()) {
            case IN_MEMORY -> {
                CachebackProperties.InMemoryCache options = cache.getInMemory();
                yield CacheBackendFactory.build(prefix, () -> CacheBackend.inMemory(options.getMaximumSize(),
                        options.isStoreCopies()));
            }
            case DUMMY -> CacheBackend.dummy();
            default -> factories.orderedStream().filter(f -> f.type() == cache.getType()).findFirst()
                    .orElseThrow(() -> missingModule(prefix + ".type", cache.getType()))
                    .create(alias, cache);
        };
    }

    /** {@code remote} with a near level in front, its backplane made from {@code cacheback.caches.<alias>.near.*}. */
    private static CacheBackend near(String alias, CachebackProperties.Cache cache, CacheBackend remote,
            ObjectProvider<BackplaneFactory> factories) {
        String prefix = CacheBackendFactory.prefix(alias);
        CachebackProperties.Near near = cache.getNear();
        CachebackProperties.BackplaneType type = near.getBackplane();
        if (type == null) {
            if (cache.getType() != CachebackProperties.CacheType.REDIS) {
                throw new CachebackConfigurationException(prefix + ".near.enabled is true but " + prefix
                        + ".near.backplane is not set.", "Set " + prefix + ".near.backplane to redis or rabbitmq, and "
                        + prefix + ".near.backplane-address to its server.");
            }
            type = CachebackProperties.BackplaneType.REDIS;
        }
        String address = near.getBackplaneAddress();
        if ((address == null || address.isBlank()) && type == CachebackProperties.BackplaneType.REDIS
                && cache.getType() == CachebackProperties.CacheType.REDIS) {
            address = cache.getAddress();
        }
        if (address == null || address.isBlank()) {
            throw new CachebackConfigurationException(prefix + ".near.backplane-address is not set.", "Set "
                    + prefix + ".near.backplane-address, such as " + prefix + ".near.backplane-address="
                    + (type == CachebackProperties.BackplaneType.REDIS ? "redis://127.0.0.1:6379" : "amqp://guest:guest@127.0.0.1:5672")
                    + ".");
        }
        String resolved = address.trim();
        CachebackProperties.BackplaneType chosen = type;
        Backplane backplane = factories.orderedStream().filter(f -> f.type() == chosen).findFirst()
                .orElseThrow(() -> missingModule(prefix + ".near.backplane", chosen))
                .create(prefix, resolved, near);
        try {
            return CacheBackendFactory.build(prefix + ".near", () -> CacheBackend.tiered(remote, NearCache.builder()
                    .backplane(backplane)
                    .maximumSize(near.getMaximumSize())
                    .maxDisconnectedStaleness(near.getMaxDisconnectedStaleness())
                    .timeToLive(near.getTimeToLive())
                    .build()));
        } catch (RuntimeException e) {
            backplane.close();
            throw e;
        }
    }

    private static RefreshQueue queue(CachebackProperties properties, ObjectProvider<RefreshQueueFactory> factories,
            InProcessWorkerPool workerPool) {
        CachebackProperties.Queue queue = properties.getQueue();
        if (queue.getType() == CachebackProperties.QueueType.IN_PROCESS) {
            return workerPool.queue();
        }
        return factories.orderedStream().filter(f -> f.type() == queue.getType()).findFirst()
                .orElseThrow(() -> missingModule(RefreshQueueFactory.PREFIX + ".type", queue.getType()))
                .create(queue, properties.getWorker());
    }

    /** Such as {@code in-memory}: how the value is written in properties. */
    static String name(Enum<?> type) {
        return type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    private static CachebackConfigurationException missingModule(String property, Enum<?> type) {
        String module = switch (type.name()) {
            case "REDIS" -> "cacheback-redis";
            case "MEMCACHED" -> "cacheback-memcached";
            case "RABBITMQ" -> "cacheback-rabbitmq";
            default -> "the module for " + name(type);
        };
        return new CachebackConfigurationException(property + " is " + name(type) + " but " + module
                + " is not on the classpath.", "Add the dependency dev.cacheback:" + module
                + " (its version comes from dev.cacheback:cacheback-bom), or choose another type.");
    }

    /** Metrics, when Micrometer is present and the application has a registry. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    static class MetricsConfiguration {

        @Bean
        CachebackBuilderCustomizer cachebackMetricsCustomizer(ObjectProvider<MeterRegistry> registry) {
            return builder -> registry.ifAvailable(r -> builder.listener(new CachebackMetrics(r)));
        }
    }

    /**
     * Observations (issue 16): the application's {@link dev.cacheback.Instrumentation} bean if it has
     * one, else {@link dev.cacheback.micrometer.CachebackObservations} on its {@code ObservationRegistry}
     * (with Micrometer Tracing, the worker's refresh spans continue the traces of the requests that
     * enqueued them).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.observation.ObservationRegistry")
    static class ObservationConfiguration {

        @Bean
        CachebackBuilderCustomizer cachebackObservationCustomizer(ObjectProvider<dev.cacheback.Instrumentation> own,
                ObjectProvider<io.micrometer.observation.ObservationRegistry> registry) {
            return builder -> {
                dev.cacheback.Instrumentation instrumentation = own.getIfUnique();
                if (instrumentation != null) {
                    builder.instrumentation(instrumentation);
                } else {
                    registry.ifUnique(r -> builder.instrumentation(dev.cacheback.micrometer.CachebackObservations.of(r)));
                }
            };
        }
    }
}

package dev.cacheback.spring;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * The {@code cacheback} health contributor: {@code caches/<alias>} and {@code queue}, each from a
 * ping, {@code DEGRADED} (never {@code DOWN}) when it does not answer. Obeys
 * {@code management.health.cacheback.enabled}. Put it in the readiness group only, never in liveness
 * (README, "Health").
 */
@AutoConfiguration(after = CachebackAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator")
@ConditionalOnBean(dev.cacheback.Cacheback.class)
public class CachebackHealthAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "cachebackHealthContributor")
    @ConditionalOnEnabledHealthIndicator("cacheback")
    CompositeHealthContributor cachebackHealthContributor(dev.cacheback.Cacheback cacheback,
            ObjectProvider<QueueHealthTracker> tracker) {
        return CachebackHealth.contributor(cacheback, tracker.getIfAvailable());
    }
}

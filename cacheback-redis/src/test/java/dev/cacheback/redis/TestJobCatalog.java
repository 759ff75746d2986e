package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.JobCatalog;
import dev.cacheback.test.TestServers;

/**
 * The jobs of a worker started by the tests (found with ServiceLoader through
 * {@code META-INF/services/dev.cacheback.spi.JobCatalog}): {@link HangOnceJob} and a
 * {@link RedisCountingJob} named {@value #COUNTING_JOB} counting its fetches at
 * {@code <cache key prefix>fetches}. Its cache is a {@link RedisCacheBackend} on the shared Redis under
 * the key prefix in the system property {@value #PREFIX_PROPERTY} ({@code cbtest:} when unset), or none
 * at all when the system property {@value #MODE_PROPERTY} is {@code local}. {@link CatalogWorkerMain}
 * sets both.
 */
public final class TestJobCatalog implements JobCatalog {

    static final String MODE_PROPERTY = "cbtest.catalog";
    static final String PREFIX_PROPERTY = "cbtest.keyPrefix";
    static final String COUNTING_JOB = "cbtest.worker-main";

    static String keyPrefix() {
        return System.getProperty(PREFIX_PROPERTY, "cbtest:");
    }

    @Override
    public void configure(Cacheback.Builder builder) {
        if (!"local".equals(System.getProperty(MODE_PROPERTY))) {
            builder.cache("default", RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(keyPrefix()).build());
        }
    }

    @Override
    public void registerJobs(Cacheback cacheback) {
        RedisTestSupport redis = RedisTestSupport.on(TestServers.redisUri());
        new HangOnceJob(cacheback, redis.redis());
        new RedisCountingJob(cacheback, JobSettings.builder().name(COUNTING_JOB).build(), redis.redis(),
                keyPrefix() + "fetches");
    }
}

package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.spi.JobCatalog;
import dev.cacheback.test.TestServers;

/** The jobs a {@link RedisWorkerMain} started by the tests knows (found with ServiceLoader). */
public final class TestJobCatalog implements JobCatalog {

    @Override
    public void registerJobs(Cacheback cacheback) {
        new HangOnceJob(cacheback, RedisTestSupport.on(TestServers.redisUri()).redis());
    }
}

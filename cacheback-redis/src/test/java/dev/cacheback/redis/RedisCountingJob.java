package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * A job whose fetches are counted in Redis, so that fetches in every process add up:
 * {@code fetch(args)} increments {@code counterKey} and returns {@code args + "#" + count}.
 */
class RedisCountingJob extends Job<String, String> {

    private final RedisCommands<String, String> redis;
    private final String counterKey;

    RedisCountingJob(Cacheback cacheback, JobSettings settings, RedisCommands<String, String> redis, String counterKey) {
        super(cacheback, settings);
        this.redis = redis;
        this.counterKey = counterKey;
    }

    @Override
    protected String fetch(String args) {
        return args + "#" + redis.incr(counterKey);
    }
}

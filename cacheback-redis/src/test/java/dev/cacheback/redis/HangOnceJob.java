package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import io.lettuce.core.api.sync.RedisCommands;

import java.util.concurrent.CountDownLatch;

/**
 * A job for the killed-worker test: its argument is a Redis counter key; {@code fetch} increments it
 * and, on the first try anywhere, hangs (the worker running it is then killed); later tries return
 * {@code "done#" + count}.
 */
class HangOnceJob extends Job<String, String> {

    static final String NAME = "cbtest.hang-once";

    private final RedisCommands<String, String> redis;

    HangOnceJob(Cacheback cacheback, RedisCommands<String, String> redis) {
        super(cacheback, JobSettings.builder().name(NAME).build());
        this.redis = redis;
    }

    @Override
    protected String fetch(String counterKey) throws InterruptedException {
        long n = redis.incr(counterKey);
        if (n == 1) {
            new CountDownLatch(1).await();
        }
        return "done#" + n;
    }
}

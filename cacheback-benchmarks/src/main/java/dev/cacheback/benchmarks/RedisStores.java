package dev.cacheback.benchmarks;

import dev.cacheback.redis.RedisCacheBackend;
import dev.cacheback.redis.RedisRefreshQueue;
import dev.cacheback.spi.RefreshQueue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/** Redis for the harness: the Cacheback backend and queue, and the same server through raw Lettuce. */
final class RedisStores {

    private RedisStores() {
    }

    static StampedeSection.Store store() {
        return new StampedeSection.Store("Redis", () -> RedisCacheBackend.builder(Servers.redisUri()).build(), RedisStores::raw);
    }

    static RawStore raw() {
        RedisClient client = RedisClient.create(Servers.redisUri());
        StatefulRedisConnection<String, String> connection = client.connect();
        RedisCommands<String, String> redis = connection.sync();
        return new RawStore() {
            @Override
            public String get(String key) {
                return redis.get(key);
            }

            @Override
            public void set(String key, String value) {
                redis.set(key, value, SetArgs.Builder.ex(3_600));
            }

            @Override
            public void delete(String key) {
                redis.del(key);
            }

            @Override
            public String describe() {
                return "raw Lettuce";
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    /** Redis Streams for the pipeline: {@code RedisRefreshQueue} against raw Lettuce stream commands. */
    static final class Broker implements PipelineSection.Broker {

        @Override
        public String name() {
            return "Redis Streams";
        }

        @Override
        public String queueLabel() {
            return "Redis Streams (`RedisRefreshQueue`, worker " + PipelineSection.CONSUMERS + ")";
        }

        @Override
        public String rawLabel() {
            return "Lettuce: XADD each; " + PipelineSection.CONSUMERS
                    + " consumers on their own connections, XREADGROUP COUNT 1 BLOCK, XACK each";
        }

        @Override
        public RefreshQueue queue(String unique) {
            return RedisRefreshQueue.builder(Servers.redisUri()).streamPrefix(unique + ":")
                    .worker(PipelineSection.CONSUMERS).build();
        }

        @Override
        public void cleanUp(String unique, RefreshQueue queue) {
            RedisRefreshQueue q = (RedisRefreshQueue) queue;
            try (RawStore raw = RedisStores.raw()) {
                for (String name : q.consumedQueues()) {
                    raw.delete(q.streamKey(name));
                    raw.delete(q.deadLetterStreamKey(name));
                }
                raw.delete(q.streamKey("default"));
                raw.delete(q.deadLetterStreamKey("default"));
            }
        }

        @Override
        public double raw(int messages, byte[] body) throws Exception {
            return RawBrokers.redisStreams(messages, body, PipelineSection.PRODUCERS, PipelineSection.CONSUMERS);
        }
    }
}

package dev.cacheback.redis;

import dev.cacheback.test.TestServers;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.util.ArrayList;
import java.util.List;

/** The shared Redis of the test run: a plain client for checks, and cleanup of a run's keys. */
final class RedisTestSupport implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private RedisTestSupport(String uri) {
        this.client = RedisClient.create(uri);
        this.connection = client.connect();
    }

    /** Checks the shared Redis is reachable (fails in CI, skips loudly elsewhere) and connects to it. */
    static RedisTestSupport shared() {
        RedisURI uri = RedisURI.create(TestServers.redisUri());
        TestServers.require("Redis", uri.getHost(), uri.getPort());
        return new RedisTestSupport(TestServers.redisUri());
    }

    /** A plain client on any Redis. */
    static RedisTestSupport on(String uri) {
        return new RedisTestSupport(uri);
    }

    /** Lets commands wait this long (for blocking ones). */
    void timeout(java.time.Duration timeout) {
        connection.setTimeout(timeout);
    }

    RedisCommands<String, String> redis() {
        return connection.sync();
    }

    /** Deletes every key starting with {@code prefix} (this run's keys only: never a flush). */
    void deleteKeys(String prefix) {
        ScanCursor cursor = ScanCursor.INITIAL;
        List<String> found = new ArrayList<>();
        do {
            KeyScanCursor<String> page = redis().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
            found.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        for (String key : found) {
            redis().del(key);
        }
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }
}

package dev.cacheback.benchmarks;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.transcoders.StringTranscoder;
import net.rubyeye.xmemcached.utils.AddrUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Issue item 2: the remote hit path. {@code job.get(k)} on the Redis and memcached backends against
 * the raw client reading the very same keys (the same bytes over the wire) and decoding them to a
 * string: Lettuce {@code GET} on a {@code StatefulRedisConnection<byte[], byte[]>} with synchronous
 * commands (the backend's connection type), xmemcached {@code get} with its text protocol. One
 * subclass per store, so that each compiles only against its own module.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public abstract class RemoteHitBenchmark {

    static final int KEY_COUNT = 1_024;
    private static final int MASK = KEY_COUNT - 1;

    /** The backend under test, and its name: "redis" or "memcached". */
    protected abstract CacheBackend newBackend();

    protected abstract String store();

    private Cacheback cacheback;
    private BenchJob job;
    private String[] keys;
    private String[] cacheKeys;
    private byte[][] cacheKeyBytes;
    private RedisClient redisClient;
    private StatefulRedisConnection<byte[], byte[]> redisConnection;
    private RedisCommands<byte[], byte[]> redis;
    private MemcachedClient memcached;
    private final StringTranscoder strings = new StringTranscoder(StandardCharsets.UTF_8.name());

    @Setup
    public void setUp() throws Exception {
        keys = Values.keys(KEY_COUNT);
        String store = store();
        CacheBackend backend = newBackend();
        cacheback = Cacheback.builder().cache("default", backend).build();
        job = new BenchJob(cacheback, JobSettings.builder().name("bench.remote-" + UUID.randomUUID().toString().substring(0, 8))
                .lifetime(Duration.ofHours(1)).cacheTtl(Duration.ofHours(1)).build(), 0);
        cacheKeys = new String[KEY_COUNT];
        cacheKeyBytes = new byte[KEY_COUNT][];
        for (int i = 0; i < KEY_COUNT; i++) {
            job.set(keys[i], Values.valueFor(keys[i]));
            cacheKeys[i] = job.key(keys[i]);
            cacheKeyBytes[i] = cacheKeys[i].getBytes(StandardCharsets.US_ASCII);
        }
        if (store.equals("redis")) {
            redisClient = RedisClient.create(Servers.redisUri());
            redisConnection = redisClient.connect(ByteArrayCodec.INSTANCE);
            redis = redisConnection.sync();
        } else {
            XMemcachedClientBuilder builder = new XMemcachedClientBuilder(AddrUtil.getAddresses(Servers.memcachedAddress()));
            builder.setSanitizeKeys(false);
            memcached = builder.build();
        }
        for (int i = 0; i < KEY_COUNT; i++) {
            if (job.get(keys[i]) == null || rawGet(i) == null) {
                throw new IllegalStateException("set-up failed: key " + keys[i] + " is not a hit on " + store());
            }
        }
        if (job.fetches() != 0) {
            throw new IllegalStateException("set-up failed: a get fetched");
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        int fetches = job.fetches();
        for (String k : keys) {
            job.delete(k);
        }
        cacheback.close();
        if (redisConnection != null) {
            redisConnection.close();
            redisClient.shutdown();
        }
        if (memcached != null) {
            memcached.shutdown();
        }
        if (fetches != 0) {
            throw new IllegalStateException("a measured get was not a hit: " + fetches + " fetches");
        }
    }

    /** What a user calls. */
    @Benchmark
    public Object cachebackGet(Cursor c) {
        return job.get(keys[c.index(MASK)]);
    }

    /** The raw client on the same key and bytes, decoded to a string. */
    @Benchmark
    public Object rawClientGet(Cursor c) throws Exception {
        return rawGet(c.index(MASK));
    }

    private String rawGet(int i) throws Exception {
        if (redis != null) {
            byte[] bytes = redis.get(cacheKeyBytes[i]);
            return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
        }
        return memcached.get(cacheKeys[i], 1_000, strings);
    }
}

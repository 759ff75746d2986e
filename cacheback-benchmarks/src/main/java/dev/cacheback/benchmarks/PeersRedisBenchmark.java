package dev.cacheback.benchmarks;

import dev.cacheback.spring.Cached;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.data.redis.cache.RedisCacheConfiguration;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.serializer.RedisSerializationContext;
import org.springframework.data.redis.serializer.RedisSerializer;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 15, on Redis: a hit through a Spring proxy on each side, and the raw client, on the same
 * {@code String} arguments and values, every call a hit (checked on tear-down).
 *
 * <ul>
 *   <li>{@code springRedisCacheable}: a bean's {@code @Cacheable} method over Spring Data Redis
 *       {@code RedisCacheManager} (Lettuce connection factory, string values: no Java serialization).</li>
 *   <li>{@code cachebackRedisMethod}: a bean's {@code @Cached} method, the starter's auto-configuration
 *       with a cache of type redis.</li>
 *   <li>{@code rawLettuceGet}: Lettuce {@code GET} on a {@code StatefulRedisConnection<byte[], byte[]>},
 *       decoded to a string.</li>
 * </ul>
 * Every key carries a prefix unique to the run and a one-hour TTL; tear-down deletes them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PeersRedisBenchmark {

    static final List<String> METHODS = List.of("rawLettuceGet", "springRedisCacheable", "cachebackRedisMethod");

    @Param({"512", "16384"})
    public int keys;

    private String[] args;
    private byte[][] rawKeys;
    private int mask;
    private final AtomicInteger loads = new AtomicInteger();
    private String prefix;
    private RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private RedisCommands<byte[], byte[]> redis;
    private AnnotationConfigApplicationContext context;
    private SpringRedisPeer springPeer;
    private CachebackRedisPeer cachebackPeer;

    @Setup
    public void setUp(BenchmarkParams params) {
        String label = params.getBenchmark();
        setUp(label.substring(label.lastIndexOf('.') + 1));
    }

    /** Builds and fills the peer {@code method} measures (one of {@link #METHODS}), {@link #keys} keys. */
    void setUp(String method) {
        args = Values.keys(keys);
        mask = keys - 1;
        prefix = "bench-peers-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        client = RedisClient.create(Servers.redisUri());
        connection = client.connect(ByteArrayCodec.INSTANCE);
        redis = connection.sync();
        switch (method) {
            case "rawLettuceGet" -> {
                rawKeys = new byte[keys][];
                for (int i = 0; i < keys; i++) {
                    rawKeys[i] = (prefix + args[i]).getBytes(StandardCharsets.UTF_8);
                    redis.set(rawKeys[i], Values.valueFor(args[i]).getBytes(StandardCharsets.UTF_8), SetArgs.Builder.ex(3600));
                    loads.incrementAndGet();
                }
            }
            case "springRedisCacheable" -> {
                URI uri = URI.create(Servers.redisUri());
                context = new AnnotationConfigApplicationContext();
                LettuceConnectionFactory factory = new LettuceConnectionFactory(
                        new RedisStandaloneConfiguration(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()));
                context.registerBean(LettuceConnectionFactory.class, () -> factory);
                context.registerBean(RedisCacheManager.class, () -> RedisCacheManager.builder(factory)
                        .cacheDefaults(RedisCacheConfiguration.defaultCacheConfig().entryTtl(Duration.ofHours(1))
                                .prefixCacheNameWith(prefix)
                                .serializeValuesWith(RedisSerializationContext.SerializationPair.fromSerializer(RedisSerializer.string())))
                        .build());
                context.register(PeersBenchmark.SpringCaching.class);
                context.registerBean(SpringRedisPeer.class, () -> new SpringRedisPeer(loads));
                context.refresh();
                springPeer = context.getBean(SpringRedisPeer.class);
            }
            case "cachebackRedisMethod" -> {
                context = PeersBenchmark.starterContext(Map.of("cacheback.caches.default.type", "redis",
                        "cacheback.caches.default.address", Servers.redisUri(),
                        "cacheback.caches.default.redis.key-prefix", prefix));
                context.registerBean(CachebackRedisPeer.class, () -> new CachebackRedisPeer(loads));
                context.refresh();
                cachebackPeer = context.getBean(CachebackRedisPeer.class);
            }
            default -> throw new IllegalStateException("no peer for benchmark " + method);
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < keys; i++) {
                if (call(method, i) == null) {
                    throw new IllegalStateException("set-up failed: " + method + " answered null for " + args[i]);
                }
            }
            if (round == 0) {
                int filled = loads.getAndSet(0);
                if (filled != keys) {
                    throw new IllegalStateException("set-up failed: " + method + " loaded " + filled + " times for " + keys + " keys");
                }
            }
        }
        if (loads.get() != 0) {
            throw new IllegalStateException("set-up failed: " + method + " loaded on a second pass");
        }
    }

    private Object call(String method, int i) {
        return switch (method) {
            case "rawLettuceGet" -> rawGet(i);
            case "springRedisCacheable" -> springPeer.value(args[i]);
            case "cachebackRedisMethod" -> cachebackPeer.value(args[i]);
            default -> throw new IllegalStateException(method);
        };
    }

    private String rawGet(int i) {
        byte[] bytes = redis.get(rawKeys[i]);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @TearDown
    public void tearDown() {
        int measuredLoads = loads.get();
        if (context != null) {
            context.close();
        }
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<byte[]> page = redis.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1_000));
            if (!page.getKeys().isEmpty()) {
                redis.del(page.getKeys().toArray(new byte[0][]));
            }
            cursor = page;
        } while (!cursor.isFinished());
        connection.close();
        client.shutdown();
        if (measuredLoads != 0) {
            throw new IllegalStateException("a measured call was not a hit: " + measuredLoads + " loads");
        }
    }

    @Benchmark
    public Object rawLettuceGet(Cursor c) {
        return rawGet(c.index(mask));
    }

    @Benchmark
    public Object springRedisCacheable(Cursor c) {
        return springPeer.value(args[c.index(mask)]);
    }

    @Benchmark
    public Object cachebackRedisMethod(Cursor c) {
        return cachebackPeer.value(args[c.index(mask)]);
    }

    /**
     * {@code cachebackRedisMethod} against {@code rawLettuceGet} at {@code keys} keys, outside JMH in
     * alternating rounds ({@link Interleave}), each side built as its benchmark builds it, both in this
     * JVM; tear-down checks that every measured call was a hit.
     */
    static Interleave.Result interleaved(int keys, int warmRounds, int rounds, int callsPerRound) throws Exception {
        PeersRedisBenchmark raw = new PeersRedisBenchmark();
        PeersRedisBenchmark mine = new PeersRedisBenchmark();
        raw.keys = keys;
        mine.keys = keys;
        raw.setUp("rawLettuceGet");
        try {
            mine.setUp("cachebackRedisMethod");
            try {
                Cursor rawCursor = new Cursor();
                Cursor mineCursor = new Cursor();
                return Interleave.measure(() -> raw.rawLettuceGet(rawCursor), () -> mine.cachebackRedisMethod(mineCursor),
                        warmRounds, rounds, callsPerRound);
            } finally {
                mine.tearDown();
            }
        } finally {
            raw.tearDown();
        }
    }

    /** Spring Cache over Spring Data Redis. */
    public static class SpringRedisPeer {
        private final AtomicInteger loads;

        public SpringRedisPeer(AtomicInteger loads) {
            this.loads = loads;
        }

        @Cacheable(cacheNames = "peers")
        public String value(String k) {
            loads.incrementAndGet();
            return Values.valueFor(k);
        }
    }

    /** The same method with {@code @Cached} on the Redis backend. */
    public static class CachebackRedisPeer {
        private final AtomicInteger loads;

        public CachebackRedisPeer(AtomicInteger loads) {
            this.loads = loads;
        }

        @Cached(name = "peers.redis-method", lifetime = "50m", cacheTtl = "1h")
        public String value(String k) {
            loads.incrementAndGet();
            return Values.valueFor(k);
        }
    }
}

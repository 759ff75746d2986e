package dev.cacheback.benchmarks;

import com.alicp.jetcache.RefreshPolicy;
import com.alicp.jetcache.embedded.CaffeineCacheBuilder;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spring.Cached;
import dev.cacheback.spring.CachebackAutoConfiguration;
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
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 15: Cacheback's in-memory hit beside what a user would pick instead, every call a hit on the
 * same {@code String} arguments and values. Each benchmark method builds only its own peer (so no
 * other cache's classes pollute the JIT's profiles), fills it with one call per key, and checks on
 * tear-down that no measured call loaded.
 *
 * <ul>
 *   <li>{@code caffeineGetIfPresent}: raw Caffeine {@code Cache.getIfPresent}, size-bounded (a peer
 *       doing a smaller job: no expiry, no refresh).</li>
 *   <li>{@code caffeineRefreshGet}: Caffeine {@code LoadingCache.get} with {@code refreshAfterWrite}
 *       (1 day): the in-process stale-while-revalidate.</li>
 *   <li>{@code cachebackGet}: {@code job.get(k)} on the in-memory backend (lifetime 1 day).</li>
 *   <li>{@code springCacheable}: a bean's {@code @Cacheable(sync = true)} method over
 *       {@code CaffeineCacheManager}, called through Spring's proxy (plain
 *       {@code AnnotationConfigApplicationContext} with {@code @EnableCaching}).</li>
 *   <li>{@code cachebackMethod}: a bean's {@code @Cached} method (lifetime 1 day), called through the
 *       proxy of the starter's auto-configuration, in-memory cache.</li>
 *   <li>{@code jetcacheGet}: a JetCache embedded Caffeine cache with a loader and a
 *       {@code RefreshPolicy} (1 day), {@code Cache.get}.</li>
 * </ul>
 * Parameters: {@code keys} (512 hot keys, or 16,384) and {@code fill}: every cache bounded to four
 * times the keys ({@code quarter}) or to the keys plus 1/32 ({@code nearly-full}), the point past
 * which a reading thread runs Caffeine's maintenance.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PeersBenchmark {

    /** The benchmark methods, in the order of the report. */
    static final List<String> METHODS = List.of("caffeineGetIfPresent", "caffeineRefreshGet", "cachebackGet",
            "springCacheable", "cachebackMethod", "jetcacheGet");

    @Param({"512", "16384"})
    public int keys;

    @Param({"quarter", "nearly-full"})
    public String fill;

    private String[] args;
    private int mask;
    private final AtomicInteger loads = new AtomicInteger();
    private Cache<String, Object> caffeine;
    private LoadingCache<String, Object> caffeineRefresh;
    private Cacheback cacheback;
    private BenchJob job;
    private AnnotationConfigApplicationContext context;
    private SpringPeer springPeer;
    private CachebackPeer cachebackPeer;
    private com.alicp.jetcache.Cache<String, Object> jetcache;

    /** The bound of every cache: four times the keys, or the keys plus 1/32. */
    static long maximumSize(int keys, String fill) {
        return switch (fill) {
            case "quarter" -> 4L * keys;
            case "nearly-full" -> keys + keys / 32;
            default -> throw new IllegalArgumentException("fill is quarter or nearly-full, not " + fill);
        };
    }

    @Setup
    public void setUp(BenchmarkParams params) {
        String label = params.getBenchmark();
        String method = label.substring(label.lastIndexOf('.') + 1);
        args = Values.keys(keys);
        mask = keys - 1;
        if (Integer.bitCount(keys) != 1) {
            throw new IllegalArgumentException("keys must be a power of two, not " + keys);
        }
        long max = maximumSize(keys, fill);
        switch (method) {
            case "caffeineGetIfPresent" -> {
                caffeine = Caffeine.newBuilder().maximumSize(max).build();
                for (String k : args) {
                    loads.incrementAndGet();
                    caffeine.put(k, Values.valueFor(k));
                }
            }
            case "caffeineRefreshGet" -> caffeineRefresh = Caffeine.newBuilder().maximumSize(max)
                    .refreshAfterWrite(Duration.ofDays(1)).build(this::load);
            case "cachebackGet" -> {
                cacheback = Cacheback.builder().cache("default", CacheBackend.inMemory(max, false)).build();
                job = new BenchJob(cacheback, JobSettings.builder().name("peers.get").lifetime(Duration.ofDays(1)).build(), 0);
            }
            case "springCacheable" -> {
                context = new AnnotationConfigApplicationContext();
                CaffeineCacheManager manager = new CaffeineCacheManager();
                manager.setCaffeine(Caffeine.newBuilder().maximumSize(max));
                manager.setCacheNames(List.of("peers"));
                context.registerBean(CaffeineCacheManager.class, () -> manager);
                context.register(SpringCaching.class);
                context.registerBean(SpringPeer.class, () -> new SpringPeer(loads));
                context.refresh();
                springPeer = context.getBean(SpringPeer.class);
            }
            case "cachebackMethod" -> {
                context = starterContext(Map.of("cacheback.caches.default.type", "in-memory",
                        "cacheback.caches.default.in-memory.maximum-size", Long.toString(max)));
                context.registerBean(CachebackPeer.class, () -> new CachebackPeer(loads));
                context.refresh();
                cachebackPeer = context.getBean(CachebackPeer.class);
            }
            case "jetcacheGet" -> jetcache = CaffeineCacheBuilder.createCaffeineCacheBuilder()
                    .limit((int) max).expireAfterWrite(2, TimeUnit.DAYS)
                    .loader(this::load).refreshPolicy(RefreshPolicy.newPolicy(1, TimeUnit.DAYS)).buildCache();
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
                if (filled != keys && !method.equals("cachebackGet")) {
                    throw new IllegalStateException("set-up failed: " + method + " loaded " + filled + " times for "
                            + keys + " keys");
                }
            }
        }
        if (loads.get() != 0 || job != null && job.fetches() != keys) {
            throw new IllegalStateException("set-up failed: " + method + " loaded on a second pass");
        }
    }

    private Object call(String method, int i) {
        return switch (method) {
            case "caffeineGetIfPresent" -> caffeine.getIfPresent(args[i]);
            case "caffeineRefreshGet" -> caffeineRefresh.get(args[i]);
            case "cachebackGet" -> job.get(args[i]);
            case "springCacheable" -> springPeer.value(args[i]);
            case "cachebackMethod" -> cachebackPeer.value(args[i]);
            case "jetcacheGet" -> jetcache.get(args[i]);
            default -> throw new IllegalStateException(method);
        };
    }

    private Object load(String k) {
        loads.incrementAndGet();
        return Values.valueFor(k);
    }

    /** A plain context with the starter's auto-configuration and {@code properties}; refreshed by the caller. */
    static AnnotationConfigApplicationContext starterContext(Map<String, Object> properties) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("peers", properties));
        context.register(CachebackAutoConfiguration.class);
        return context;
    }

    @TearDown
    public void tearDown() {
        int measuredLoads = loads.get() + (job != null ? job.fetches() - keys : 0);
        if (context != null) {
            context.close();
        }
        if (cacheback != null) {
            cacheback.close();
        }
        if (jetcache != null) {
            jetcache.close();
        }
        if (measuredLoads != 0) {
            throw new IllegalStateException("a measured call was not a hit: " + measuredLoads + " loads");
        }
    }

    @Benchmark
    public Object caffeineGetIfPresent(Cursor c) {
        return caffeine.getIfPresent(args[c.index(mask)]);
    }

    @Benchmark
    public Object caffeineRefreshGet(Cursor c) {
        return caffeineRefresh.get(args[c.index(mask)]);
    }

    @Benchmark
    public Object cachebackGet(Cursor c) {
        return job.get(args[c.index(mask)]);
    }

    @Benchmark
    public Object springCacheable(Cursor c) {
        return springPeer.value(args[c.index(mask)]);
    }

    @Benchmark
    public Object cachebackMethod(Cursor c) {
        return cachebackPeer.value(args[c.index(mask)]);
    }

    @Benchmark
    public Object jetcacheGet(Cursor c) {
        return jetcache.get(args[c.index(mask)]);
    }

    /** Turns Spring's caching proxies on. */
    @Configuration(proxyBeanMethods = false)
    @EnableCaching
    public static class SpringCaching {
    }

    /** The Spring Cache peer: what a Spring user has today. */
    public static class SpringPeer {
        private final AtomicInteger loads;

        public SpringPeer(AtomicInteger loads) {
            this.loads = loads;
        }

        @Cacheable(cacheNames = "peers", sync = true)
        public String value(String k) {
            loads.incrementAndGet();
            return Values.valueFor(k);
        }
    }

    /** The same method with {@code @Cached}. */
    public static class CachebackPeer {
        private final AtomicInteger loads;

        public CachebackPeer(AtomicInteger loads) {
            this.loads = loads;
        }

        @Cached(name = "peers.method", lifetime = "1d")
        public String value(String k) {
            loads.incrementAndGet();
            return Values.valueFor(k);
        }
    }
}

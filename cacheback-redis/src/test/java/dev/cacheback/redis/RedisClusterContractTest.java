package dev.cacheback.redis;

import dev.cacheback.CacheEntry;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CacheBackendContract;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.Stampede;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The backend contract, a multi-slot read and a stampede through the Redis Streams queue, on a
 * 3-master Redis Cluster made of private redis-server processes (killed after the class, even when
 * it fails).
 */
class RedisClusterContractTest extends CacheBackendContract {

    private static final String KEY_PREFIX = TestServers.uniquePrefix("cbtest") + ":";
    private static final List<RedisServerProcess> nodes = new ArrayList<>();
    private static RedisClusterClient client;
    private static StatefulRedisClusterConnection<byte[], byte[]> raw;

    @BeforeAll
    static void startCluster() {
        for (int i = 0; i < 3; i++) {
            nodes.add(RedisServerProcess.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "5000"));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        String output = RedisServerProcess.run(create);
        assertThat(output).as("redis-cli --cluster create output").contains("[OK] All 16384 slots covered");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> nodes.stream().allMatch(n -> n.cli("cluster", "info").contains("cluster_state:ok")));
        client = RedisClusterClient.create(nodes.get(0).uri());
        raw = client.connect(ByteArrayCodec.INSTANCE);
    }

    @AfterAll
    static void stopCluster() {
        try {
            if (raw != null) {
                raw.close();
            }
            if (client != null) {
                client.shutdown();
            }
        } finally {
            nodes.forEach(RedisServerProcess::close);
            nodes.clear();
        }
    }

    private static RedisCacheBackend clusterBackend() {
        return RedisCacheBackend.builder(nodes.get(0).uri()).cluster().keyPrefix(KEY_PREFIX).build();
    }

    @Override
    protected CacheBackend newBackend() {
        return clusterBackend();
    }

    @Override
    protected void writeForeignBytes(String key, byte[] bytes) {
        raw.sync().set((KEY_PREFIX + key).getBytes(StandardCharsets.UTF_8), bytes);
    }

    @Test
    void getAllReadsKeysOfEverySlotAndNode() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            keys.add(prefix + ":multi-" + i);
        }
        Set<Integer> slots = keys.stream().map(k -> SlotHash.getSlot(KEY_PREFIX + k)).collect(Collectors.toSet());
        assertThat(slots).hasSizeGreaterThan(30);
        assertThat(slots).anyMatch(s -> s < 5461).anyMatch(s -> s > 10922);
        for (int i = 0; i < keys.size(); i += 2) {
            backend.set(keys.get(i), new CacheEntry<>(clock.instant(), new Item("v" + i, List.of(i), null, null)),
                    Duration.ofMinutes(5), codec);
        }
        Map<String, CacheEntry<Item>> found = backend.getAll(keys, codec);
        assertThat(found).hasSize(20);
        for (int i = 0; i < keys.size(); i++) {
            if (i % 2 == 0) {
                assertThat(found.get(keys.get(i)).data().name()).isEqualTo("v" + i);
            } else {
                assertThat(found).doesNotContainKey(keys.get(i));
            }
        }
    }

    @Test
    void getManyOfAHundredHitsIsOneMgetPerSlotAndNoGet() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".cluster-many").build());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            keys.add("k" + i);
        }
        Map<String, String> fetched = job.getMany(keys);
        Set<Integer> slots = keys.stream().map(k -> SlotHash.getSlot(KEY_PREFIX + job.key(k))).collect(Collectors.toSet());
        nodes.forEach(n -> n.cli("config", "resetstat"));
        assertThat(job.getMany(keys)).isEqualTo(fetched);
        long mgets = 0;
        long gets = 0;
        for (RedisServerProcess node : nodes) {
            String info = node.cli("info", "commandstats");
            mgets += RedisGetManyRoundTripTest.calls(info, "mget");
            gets += RedisGetManyRoundTripTest.calls(info, "get");
        }
        // Lettuce splits the MGET by slot and sends the parts to their nodes at once, then waits for all
        assertThat(mgets).isEqualTo(slots.size());
        assertThat(gets).isZero();
        assertThat(job.fetches()).isEqualTo(100);
    }

    @Test
    void sixtyFourReadersOfAStaleKeyMakeOneTaskThroughRedisStreamsOnTheCluster() {
        TestClock clock = new TestClock(Instant.now());
        RecordingListener heard = new RecordingListener();
        try (Cacheback runtime = Cacheback.builder().clock(clock).listener(heard).cache("default", clusterBackend())
                .queue(RedisRefreshQueue.builder(nodes.get(0).uri()).cluster().streamPrefix(KEY_PREFIX + "queue:")
                        .worker(2).blockTime(Duration.ofMillis(200)).build())
                .build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name(prefix + ".cluster-stampede")
                    .lifetime(Duration.ofSeconds(10)).build());
            assertThat(job.get("hot")).isEqualTo("hot#1");
            clock.advance(Duration.ofSeconds(11));
            List<String> seen = Stampede.run(64, () -> job.get("hot"));
            // readers that came after the worker's refresh see its data
            assertThat(seen).contains("hot#1").isSubsetOf("hot#1", "hot#2");
            assertThat(heard.count("enqueued")).isEqualTo(1);
            assertThat(heard.count("deduplicated") + heard.count("hit")).as("the others: lease taken, or already re-stored")
                    .isEqualTo(63);
            await().atMost(Duration.ofSeconds(20)).until(() -> "hot#2".equals(job.rawGet("hot").orElseThrow().data()));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> job.fetches() == 2);
            assertThat(heard.count("backend.error")).isZero();
        }
    }

    @Test
    void aFailedRefreshIsRetriedThroughTheDelayedSetOnTheCluster() {
        RedisRefreshQueue queue = RedisRefreshQueue.builder(nodes.get(0).uri()).cluster().streamPrefix(KEY_PREFIX + "retry:")
                .worker().blockTime(Duration.ofMillis(200)).build();
        try (Cacheback runtime = Cacheback.builder().cache("default", clusterBackend()).queue(queue)
                .retryPolicy(dev.cacheback.RetryPolicy.builder().initialBackoff(Duration.ofMillis(50)).jitter(0).build())
                .build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name(prefix + ".cluster-retry").build());
            job.failNext(2);
            job.asyncRefresh("r");
            await().atMost(Duration.ofSeconds(20)).until(() -> job.rawGet("r").isPresent());
            assertThat(job.rawGet("r").orElseThrow().data()).isEqualTo("r#3");
            // the stream, its delayed set and its dead-letter stream share one slot (the script's keys)
            String stream = queue.streamKey("cacheback");
            assertThat(SlotHash.getSlot(queue.delayedSetKey("cacheback"))).isEqualTo(SlotHash.getSlot(stream))
                    .isEqualTo(SlotHash.getSlot(queue.deadLetterStreamKey("cacheback")));
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    raw.sync().xpending(stream.getBytes(StandardCharsets.UTF_8), "cacheback".getBytes(StandardCharsets.UTF_8))
                            .getCount() == 0);
        }
    }
}

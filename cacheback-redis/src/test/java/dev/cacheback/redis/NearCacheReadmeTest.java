package dev.cacheback.redis;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.NearCache;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The README's "Near cache" example, word for word, run against the shared Redis. */
class NearCacheReadmeTest {

    private static final String RUN = TestServers.uniquePrefix("readme-near");
    private static RedisTestSupport redis;

    @BeforeAll
    static void connect() {
        redis = RedisTestSupport.shared();
    }

    @AfterAll
    static void cleanUp() {
        if (redis != null) {
            redis.deleteKeys("shop:" + RUN);
            redis.close();
        }
    }

    @Test
    void theReadmeExampleWorks() {
        String uri = TestServers.redisUri();
        // --- README
        Cacheback cacheback = Cacheback.builder()
                .cache("default", CacheBackend.tiered(
                        RedisCacheBackend.builder(uri).keyPrefix("shop:").build(),
                        NearCache.builder()
                                .backplane(RedisBackplane.builder(uri).channel("shop:near").build()) // or RabbitBackplane.builder(amqpUri)
                                .maximumSize(10_000)                                // default 10,000 copies per process
                                .maxDisconnectedStaleness(Duration.ofSeconds(2))    // default 2 s
                                .build()))
                .build();
        // --- end
        try (cacheback) {
            TieredBackend tiered = (TieredBackend) cacheback.cache("default");
            await().atMost(Duration.ofSeconds(10)).until(tiered::nearServing);
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(RUN + ".job").build());
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(redis.redis().exists("shop:" + job.key("a"))).isEqualTo(1);
            assertThat(tiered.nearSize()).isEqualTo(1);
            assertThat(job.get("a")).isEqualTo("a#1");
        }
    }

    @Test
    void theReadmeShowsThisExampleWordForWord() throws IOException {
        String readme = normalize(Files.readAllLines(Path.of("..", "README.md")));
        int section = readme.indexOf("### Near cache\n");
        assertThat(section).as("the README's near cache section").isNotNegative();
        List<String> source = Files.readAllLines(Path.of("src", "test", "java", "dev", "cacheback", "redis",
                "NearCacheReadmeTest.java"));
        List<String> block = new ArrayList<>();
        boolean in = false;
        for (String line : source) {
            if (line.strip().equals("// --- README")) {
                in = true;
            } else if (line.strip().equals("// --- end")) {
                break;
            } else if (in) {
                block.add(line);
            }
        }
        assertThat(block).hasSizeGreaterThan(5);
        assertThat(readme.substring(section)).contains("```java\n" + normalize(block) + "```");
    }

    private static String normalize(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line.strip()).append('\n');
        }
        return sb.toString();
    }
}

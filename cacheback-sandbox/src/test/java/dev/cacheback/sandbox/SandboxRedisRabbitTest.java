package dev.cacheback.sandbox;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The documented {@code redis-rabbit} profile: the page's data lives in Redis and its refreshes go
 * through RabbitMQ to the worker inside the application. Uses this run's own key prefix and queue.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sandbox.lifetime=2s", "sandbox.fetch-delay=200ms", "spring.main.banner-mode=off"})
@ActiveProfiles("redis-rabbit")
class SandboxRedisRabbitTest {

    private static final String RUN = TestServers.uniquePrefix("cacheback-sandbox-test");
    private static final Pattern STATUS = Pattern.compile("id=\"status\"[^>]*>(\\w+)<");
    private static final Pattern VERSION = Pattern.compile("id=\"version\">(\\d+)<");

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        URI redis = URI.create(TestServers.redisUri());
        TestServers.require("Redis", redis.getHost(), redis.getPort() < 0 ? 6379 : redis.getPort());
        URI rabbit = URI.create(TestServers.rabbitUri());
        TestServers.require("RabbitMQ", rabbit.getHost(), rabbit.getPort() < 0 ? 5672 : rabbit.getPort());
        registry.add("cacheback.caches.default.address", TestServers::redisUri);
        registry.add("cacheback.caches.default.redis.key-prefix", () -> RUN + ":");
        registry.add("cacheback.queue.address", TestServers::rabbitUri);
        registry.add("cacheback.queue.rabbitmq.default-queue", () -> RUN);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        RedisClient client = RedisClient.create(TestServers.redisUri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            List<String> ours = connection.sync().keys(RUN + ":*");
            if (!ours.isEmpty()) {
                connection.sync().del(ours.toArray(String[]::new));
            }
        } finally {
            client.shutdown();
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(TestServers.rabbitUri());
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            channel.queueDelete(RUN);
            channel.queueDelete(RUN + ".dead");
        }
    }

    private record Reading(String status, int version) {
    }

    private Reading open(String path) throws Exception {
        String page = SandboxActuatorTest.get(port, path).body();
        Matcher status = STATUS.matcher(page);
        Matcher version = VERSION.matcher(page);
        assertThat(status.find()).as(page).isTrue();
        assertThat(version.find()).as(page).isTrue();
        return new Reading(status.group(1), Integer.parseInt(version.group(1)));
    }

    @Test
    void missHitStaleThenRefreshedByTheRabbitWorker() throws Exception {
        for (String path : List.of("/?symbol=RR", "/method?symbol=RR")) {
            assertThat(open(path)).isEqualTo(new Reading("MISS", 1));
            assertThat(open(path)).isEqualTo(new Reading("HIT", 1));
            Reading stale = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> open(path), r -> !r.status().equals("HIT"));
            assertThat(stale).isEqualTo(new Reading("STALE", 1));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> open(path), r -> r.version() == 2);
        }
        String health = SandboxActuatorTest.get(port, "/actuator/health").body();
        assertThat(health).contains("redis://").contains("rabbitmq").doesNotContain("DOWN");
    }
}

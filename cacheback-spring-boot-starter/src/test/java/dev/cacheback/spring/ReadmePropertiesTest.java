package dev.cacheback.spring;

import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every {@code ```properties} block of the README, pasted as it stands: loaded by Spring Boot's own
 * {@code .properties} loader (so a {@code # comment} after a value would become part of the value,
 * as in an application.properties file) and started in an application context.
 *
 * <p>A block preceded by {@code <!-- fails with: A … B -->} is an example of a mistake: the context
 * must fail and the failure analysis must contain A, then B. Every other block must start.
 *
 * <p>Substitutions, applied to whole values only (the README names hosts that do not exist here, and
 * tests running in parallel must not share queues or keys):
 * <table>
 *   <caption>README value → test value</caption>
 *   <tr><td>{@code redis://cache-1:6379}</td><td>the test Redis ({@link TestServers#redisUri()})</td></tr>
 *   <tr><td>{@code amqp://user:pass@mq:5672/%2F}</td><td>the test RabbitMQ ({@link TestServers#rabbitUri()}), path {@code /%2F} kept</td></tr>
 *   <tr><td>{@code shop:} (a key prefix)</td><td>{@code shop-<run>:}</td></tr>
 *   <tr><td>{@code shop:near} (a near cache's channel)</td><td>{@code shop-<run>:near}</td></tr>
 *   <tr><td>{@code cacheback} (a queue name)</td><td>{@code cacheback-<run>}</td></tr>
 * </table>
 */
class ReadmePropertiesTest {

    private static final Path README = Path.of("..", "README.md");
    private static final Pattern FENCE = Pattern.compile(
            "(?:<!-- fails with: (?<fails>[^\\n]*?) -->\\n)?```(?<lang>[a-z]*)\\n(?<body>.*?)```", Pattern.DOTALL);
    private static final String RUN = TestServers.uniquePrefix("readme");

    record Block(int index, String lang, String body, String failsWith) {
    }

    /** Deletes the queues the worker block declared on the shared broker. */
    @org.junit.jupiter.api.AfterAll
    static void deleteQueues() throws Exception {
        com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
        factory.setUri(TestServers.rabbitUri());
        try (com.rabbitmq.client.Connection c = factory.newConnection(); com.rabbitmq.client.Channel channel = c.createChannel()) {
            channel.queueDelete("cacheback-" + RUN);
            channel.queueDelete("cacheback-" + RUN + ".dead");
        } catch (java.io.IOException | java.util.concurrent.TimeoutException e) {
            // the broker is not there: nothing was declared
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class, CachebackHealthAutoConfiguration.class,
                    HealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class,
                    HealthEndpointAutoConfiguration.class, AvailabilityProbesAutoConfiguration.class,
                    ApplicationAvailabilityAutoConfiguration.class))
            .withBean(QuoteService.class);

    /** The README's {@code QuoteService.quote} job, which its per-job properties block names. */
    public static class QuoteService {
        @Cached(lifetime = "5m")
        public String quote(String symbol) {
            return symbol;
        }
    }

    @Test
    void thePerJobBlockSetsTheNamedJob() throws IOException {
        Block perJob = blocks().stream().filter(b -> b.lang().equals("properties") && b.body().startsWith("# per job"))
                .findFirst().orElseThrow();
        with(load(perJob)).run(context -> {
            dev.cacheback.Job<?, ?> job = context.getBean(CachebackMethods.class).job("QuoteService.quote");
            assertThat(job.lifetime()).isEqualTo(Duration.ofMinutes(1));
            assertThat(job.failSafeMaxStaleness()).isEqualTo(Duration.ofHours(1));
            assertThat(job.softFetchTimeout()).isEqualTo(Duration.ofMillis(200));
            assertThat(job.hardFetchTimeout()).isEqualTo(Duration.ofSeconds(2));
            assertThat(job.settings().refreshBackoffInitial()).isEqualTo(Duration.ofSeconds(5));
            assertThat(job.settings().refreshBackoffMax()).isEqualTo(Duration.ofMinutes(5));
        });
    }

    static List<Block> blocks() throws IOException {
        String readme = Files.readString(README);
        List<Block> blocks = new ArrayList<>();
        Matcher m = FENCE.matcher(readme);
        int i = 0;
        while (m.find()) {
            blocks.add(new Block(i++, m.group("lang"), m.group("body"), m.group("fails")));
        }
        return blocks;
    }

    static Map<String, String> substitutions() {
        URI rabbit = URI.create(TestServers.rabbitUri());
        String rabbitBase = rabbit.getScheme() + "://" + (rabbit.getRawUserInfo() == null ? "" : rabbit.getRawUserInfo() + "@")
                + rabbit.getHost() + ":" + (rabbit.getPort() < 0 ? 5672 : rabbit.getPort());
        return Map.of(
                "redis://cache-1:6379", TestServers.redisUri(),
                "amqp://user:pass@mq:5672/%2F", rabbitBase + "/%2F",
                "shop:", "shop-" + RUN + ":",
                "shop:near", "shop-" + RUN + ":near",
                "cacheback", "cacheback-" + RUN);
    }

    /** The block as Spring Boot loads an application.properties file, with the substitutions applied. */
    static MapPropertySource load(Block block) throws IOException {
        List<PropertySource<?>> loaded = new PropertiesPropertySourceLoader()
                .load("README block " + block.index(), new ByteArrayResource(block.body().getBytes(StandardCharsets.ISO_8859_1)));
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> substitutions = substitutions();
        for (PropertySource<?> source : loaded) {
            for (String name : ((MapPropertySource) source).getPropertyNames()) {
                String value = String.valueOf(source.getProperty(name));
                values.put(name, substitutions.getOrDefault(value, value));
            }
        }
        return new MapPropertySource("README block " + block.index(), values);
    }

    private ApplicationContextRunner with(MapPropertySource properties) {
        return runner.withInitializer(c -> c.getEnvironment().getPropertySources().addFirst(properties));
    }

    /** What SpringApplication publishes once started; an ApplicationContextRunner does not. */
    private static void started(AssertableApplicationContext context) {
        AvailabilityChangeEvent.publish(context, LivenessState.CORRECT);
        AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
    }

    @Test
    void theReadmeHasPropertiesBlocksAndNoYamlOnes() throws IOException {
        List<Block> blocks = blocks();
        assertThat(blocks).filteredOn(b -> b.lang().equals("properties")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(blocks).as("a yaml block needs a yaml loader in this test")
                .noneMatch(b -> b.lang().equals("yaml") || b.lang().equals("yml"));
    }

    @Test
    void noValueInAPropertiesBlockCarriesAComment() throws IOException {
        for (Block block : blocks()) {
            if (block.lang().equals("properties")) {
                load(block).getSource().forEach((name, value) ->
                        assertThat(value.toString()).as("README block %d, %s", block.index(), name).doesNotContain("#"));
            }
        }
    }

    @Test
    void everyPropertiesBlockStartsAsWrittenOrFailsWithItsDocumentedMessage() throws IOException {
        int started = 0;
        int failed = 0;
        for (Block block : blocks()) {
            if (!block.lang().equals("properties")) {
                continue;
            }
            MapPropertySource properties = load(block);
            if (properties.getSource().keySet().stream().anyMatch(k -> k.startsWith("cacheback.") && k.contains(".address"))) {
                URI redis = URI.create(TestServers.redisUri());
                TestServers.require("Redis", redis.getHost(), redis.getPort());
                URI rabbit = URI.create(TestServers.rabbitUri());
                TestServers.require("RabbitMQ", rabbit.getHost(), rabbit.getPort() < 0 ? 5672 : rabbit.getPort());
            }
            if (block.failsWith() != null) {
                failed++;
                with(properties).run(context -> {
                    assertThat(context).as("README block %d", block.index()).hasFailed();
                    FailureAnalysis analysis = new CachebackFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    String text = analysis.getDescription() + "\n" + analysis.getAction();
                    int at = 0;
                    for (String part : block.failsWith().split("…")) {
                        int found = text.indexOf(part.trim(), at);
                        assertThat(found).as("README block %d: \"%s\" in %s", block.index(), part.trim(), text)
                                .isGreaterThanOrEqualTo(0);
                        at = found;
                    }
                });
            } else {
                started++;
                with(properties).run(context -> {
                    assertThat(context).as("README block %d", block.index()).hasNotFailed();
                    dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
                    String type = properties.getSource().getOrDefault("cacheback.caches.default.type", "in-memory").toString();
                    if (type.equals("redis")) {
                        assertThat(cacheback.cache("default").describe()).startsWith(
                                "true".equals(properties.getSource().get("cacheback.caches.default.near.enabled"))
                                        ? "near(" : "redis://").contains("redis://");
                        // a real server: UP once connected (a loaded machine may take longer than the connect wait)
                        await().atMost(Duration.ofSeconds(10))
                                .until(() -> CachebackHealthTest.cache(context, "default").getStatus().equals(Status.UP));
                    }
                    if ("rabbitmq".equals(properties.getSource().get("cacheback.queue.type"))) {
                        assertThat(cacheback.queue().describe()).contains("rabbitmq").contains("cacheback-" + RUN);
                        await("the virtual host %2F is \"/\"").atMost(Duration.ofSeconds(10))
                                .until(() -> CachebackHealthTest.queue(context).getStatus().equals(Status.UP));
                    }
                });
            }
        }
        assertThat(started).isGreaterThanOrEqualTo(3);
        assertThat(failed).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theDocumentedStartupReportIsWhatTheAnalyzerSays() throws IOException {
        List<Block> blocks = blocks();
        Block mistake = blocks.stream().filter(b -> b.failsWith() != null).findFirst().orElseThrow();
        Block report = blocks.get(mistake.index() + 1);
        assertThat(report.body()).startsWith("Description:");
        String[] documented = report.body().split("\\n\\s*Action:\\s*\\n");
        String description = documented[0].replaceFirst("^Description:\\s*", "").trim();
        String action = documented[1].trim();
        with(load(mistake)).run(context -> {
            FailureAnalysis analysis = new CachebackFailureAnalyzer().analyze(context.getStartupFailure());
            // the origin in parentheses depends on where the key was set: compared without it
            String origin = "\\s\\([^)]*\\)(?=:)";
            assertThat(analysis.getDescription().replaceAll(origin, "")).isEqualTo(description.replaceAll(origin, ""));
            assertThat(analysis.getAction()).startsWith(action.substring(0, action.indexOf("(…)")));
        });
    }

    /** The README's worker profile block, found by its first line. */
    private static Block workerProfile(List<Block> blocks) {
        return blocks.stream().filter(b -> b.lang().equals("properties")
                && b.body().startsWith("# application-worker.properties")).findFirst().orElseThrow();
    }

    /** The README's web node block: the first that sets cacheback.worker.enabled=false. */
    private static Block webNode(List<Block> blocks) {
        return blocks.stream().filter(b -> b.lang().equals("properties")
                && b.body().contains("\ncacheback.worker.enabled=false")).findFirst().orElseThrow();
    }

    private static boolean keepAliveThread() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("cacheback-worker-node") && t.isAlive());
    }

    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class OneJob {
        @org.springframework.context.annotation.Bean
        dev.cacheback.test.CountingJob readmeJob(dev.cacheback.Cacheback cacheback) {
            return new dev.cacheback.test.CountingJob(cacheback, dev.cacheback.JobSettings.builder().name("readme.job").build());
        }
    }

    @Test
    void theWorkerProfileIsTheFileTheTwoJvmTestRunsAndTheCommandNamesIt() throws IOException {
        List<Block> blocks = blocks();
        Block profile = workerProfile(blocks);
        // fleet.WorkerNodeFleetTest starts its worker JVM with --spring.profiles.active=worker and this file
        assertThat(Files.readString(Path.of("src", "test", "resources", "application-worker.properties")))
                .isEqualTo(profile.body());
        Block command = blocks.get(profile.index() + 1);
        assertThat(command.lang()).isEqualTo("bash");
        assertThat(command.body().lines().map(l -> l.replaceAll("\\s+#.*$", "")))
                .containsExactly("java -jar app.jar", "java -jar app.jar --spring.profiles.active=worker");
    }

    @Test
    void theWebBlockIsAWebNodeAndWithTheWorkerProfileOverItAWorkerNode() throws IOException {
        URI redis = URI.create(TestServers.redisUri());
        TestServers.require("Redis", redis.getHost(), redis.getPort());
        URI rabbit = URI.create(TestServers.rabbitUri());
        TestServers.require("RabbitMQ", rabbit.getHost(), rabbit.getPort() < 0 ? 5672 : rabbit.getPort());
        List<Block> blocks = blocks();
        MapPropertySource web = load(webNode(blocks));
        MapPropertySource profile = load(workerProfile(blocks));
        runner.withUserConfiguration(OneJob.class).withInitializer(c -> c.getEnvironment().getPropertySources().addFirst(web))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(keepAliveThread()).as("a web node holds no thread").isFalse();
                });
        runner.withUserConfiguration(OneJob.class).withInitializer(c -> {
            c.getEnvironment().getPropertySources().addFirst(web);
            c.getEnvironment().getPropertySources().addFirst(profile);   // a profile's file wins over application.properties
        }).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getEnvironment().getProperty("cacheback.worker.enabled")).isEqualTo("true");
            assertThat(keepAliveThread()).as("a worker node stays up").isTrue();
            assertThat(context.getBean(dev.cacheback.Cacheback.class).queue().describe()).contains("cacheback-" + RUN);
        });
        assertThat(keepAliveThread()).isFalse();
    }

    @Test
    void theHealthBlockKeepsLivenessUpAndShowsAnUnreachableBrokerAsDegradedInReadiness() throws IOException {
        Block health = blocks().stream().filter(b -> b.lang().equals("properties")
                && b.body().contains("management.endpoint.health.group.liveness")).findFirst().orElseThrow();
        with(load(health)).withPropertyValues("cacheback.queue.type=rabbitmq",
                "cacheback.queue.address=amqp://guest:guest@127.0.0.1:" + TestServers.freePort(),
                "cacheback.queue.rabbitmq.connect-timeout=300ms", "cacheback.worker.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            started(context);
            HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);
            HealthEndpointGroups groups = context.getBean(HealthEndpointGroups.class);

            Status liveness = endpoint.healthForPath("liveness").getStatus();
            assertThat(liveness).isEqualTo(Status.UP);
            assertThat(groups.get("liveness").getHttpCodeStatusMapper().getStatusCode(liveness)).isEqualTo(200);

            Status readiness = endpoint.healthForPath("readiness").getStatus();
            assertThat(readiness).isEqualTo(CachebackHealth.DEGRADED);
            assertThat(groups.get("readiness").getHttpCodeStatusMapper().getStatusCode(readiness)).isEqualTo(200);

            Status all = endpoint.health().getStatus();
            assertThat(all).isEqualTo(CachebackHealth.DEGRADED);
            assertThat(groups.getPrimary().getHttpCodeStatusMapper().getStatusCode(all)).isEqualTo(200);
            // DOWN still wins over DEGRADED in the documented order
            assertThat(groups.getPrimary().getStatusAggregator().getAggregateStatus(Status.DOWN, CachebackHealth.DEGRADED))
                    .isEqualTo(Status.DOWN);
            assertThat(groups.getPrimary().getStatusAggregator().getAggregateStatus(Status.UP, CachebackHealth.DEGRADED))
                    .isEqualTo(CachebackHealth.DEGRADED);
        });
    }
}

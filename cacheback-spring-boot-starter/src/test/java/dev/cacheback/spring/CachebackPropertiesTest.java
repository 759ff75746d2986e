package dev.cacheback.spring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.File;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Strict, typed properties: misspelled keys and bad values fail start-up with Boot's Description and
 * Action naming the key and the nearest valid one; relaxed forms of valid keys are accepted; the
 * configuration metadata describes every key.
 */
@ExtendWith(OutputCaptureExtension.class)
class CachebackPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class));

    private static FailureAnalysis analyze(Throwable failure) {
        FailureAnalysis analysis = new CachebackFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }

    private FailureAnalysis failureOf(String... properties) {
        Throwable[] failure = new Throwable[1];
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            failure[0] = context.getStartupFailure();
        });
        return analyze(failure[0]);
    }

    @Test
    void aMisspelledGroupNamesTheNearestKey() {
        FailureAnalysis analysis = failureOf("cacheback.cache.default.type=redis");
        assertThat(analysis.getDescription()).contains("Unknown property cacheback.cache.default.type")
                .contains("did you mean cacheback.caches.default.type?");
        assertThat(analysis.getAction()).contains("Correct the key");
    }

    @Test
    void aMisspelledCacheKeyNamesTheNearestKeyKeepingTheAlias() {
        FailureAnalysis analysis = failureOf("cacheback.caches.reports.type=redis",
                "cacheback.caches.reports.adress=redis://127.0.0.1:6379");
        assertThat(analysis.getDescription()).contains("Unknown property cacheback.caches.reports.adress")
                .contains("did you mean cacheback.caches.reports.address?");
    }

    @Test
    void aMisspelledQueueKeyNamesTheNearestKey() {
        FailureAnalysis analysis = failureOf("cacheback.queue.tpye=rabbitmq");
        assertThat(analysis.getDescription()).contains("Unknown property cacheback.queue.tpye")
                .contains("did you mean cacheback.queue.type?");
    }

    @Test
    void everyUnknownKeyIsListedOnce() {
        FailureAnalysis analysis = failureOf("cacheback.queue.tpye=rabbitmq", "cacheback.worker.concurency=3");
        assertThat(analysis.getDescription()).contains("cacheback.queue.tpye").contains("cacheback.worker.concurency")
                .contains("did you mean cacheback.worker.concurrency?");
        assertThat(analysis.getAction()).contains("Correct the keys");
    }

    @Test
    void aBadTypeValueNamesTheKeyAndTheValidValuesNearestFirst() {
        FailureAnalysis analysis = failureOf("cacheback.caches.default.type=redix");
        assertThat(analysis.getDescription()).contains("cacheback.caches.default.type").contains("\"redix\"");
        assertThat(analysis.getAction()).startsWith("Set cacheback.caches.default.type to one of: redis,")
                .contains("in-memory").contains("memcached").contains("dummy");
        FailureAnalysis queue = failureOf("cacheback.queue.type=rabitmq");
        assertThat(queue.getAction()).startsWith("Set cacheback.queue.type to one of: rabbitmq,");
    }

    @Test
    void aBadDurationNamesTheKey() {
        FailureAnalysis analysis = failureOf("cacheback.queue.type=rabbitmq", "cacheback.queue.address=amqp://127.0.0.1:1",
                "cacheback.queue.rabbitmq.publish-timeout=soon");
        assertThat(analysis.getDescription()).contains("cacheback.queue.rabbitmq.publish-timeout").contains("\"soon\"");
        assertThat(analysis.getAction()).contains("a duration");
    }

    @Test
    void anAddressValueIsNeverShown() {
        FailureAnalysis analysis = failureOf("cacheback.queue.type=rabbitmq",
                "cacheback.queue.address=amqp://user:secret@127.0.0.1:1", "cacheback.queue.rabbitmq.prefetch=2",
                "cacheback.worker.enabled=false");
        assertThat(analysis.getDescription()).contains("cacheback.queue.rabbitmq.prefetch configure a worker, but "
                + "cacheback.worker.enabled is false").doesNotContain("secret");
    }

    @Test
    void anOptionOfAnotherTypeNamesBothKeys() {
        FailureAnalysis analysis = failureOf("cacheback.queue.type=redis", "cacheback.queue.address=redis://127.0.0.1:1",
                "cacheback.queue.rabbitmq.default-queue=reports");
        assertThat(analysis.getDescription()).contains("cacheback.queue.rabbitmq.default-queue is an option of the "
                + "rabbitmq type, but cacheback.queue.type is redis");
    }

    @Test
    void relaxedFormsOfValidKeysAreAccepted() {
        runner.withPropertyValues("cacheback.caches.default.inMemory.maximumSize=5",
                "cacheback.caches.second.in_memory.store_copies=true", "cacheback.verifyWrites=false",
                "cacheback.worker.queues[0]=ignored-by-in-process").run(context -> {
            assertThat(context).hasFailed();     // only for the list, which the in-process queue refuses by name
            assertThat(context.getStartupFailure()).hasStackTraceContaining("cacheback.worker.queues names broker queues");
        });
        runner.withPropertyValues("cacheback.caches.default.inMemory.maximumSize=5",
                "cacheback.caches.second.in_memory.store_copies=true", "cacheback.verifyWrites=false")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void environmentVariablesAreCheckedToo() {
        // the variables the worker commands and the test kit read (CACHEBACK_REDIS_URI …) name no group of ours: left alone
        Map<String, Object> ok = new HashMap<>(Map.of("CACHEBACK_CACHES_DEFAULT_INMEMORY_MAXIMUMSIZE", "5",
                "CACHEBACK_WORKER_CONCURRENCY", "3", "CACHEBACK_REDIS_URI", "redis://elsewhere:6379",
                "CACHEBACK_MEMCACHED", "elsewhere:11211", "CACHEBACK_RABBITMQ_URI", "amqp://elsewhere",
                "CACHEBACK_POSTGRES_URL", "jdbc:postgresql://elsewhere/test"));
        runner.withInitializer(c -> c.getEnvironment().getPropertySources()
                        .addFirst(new SystemEnvironmentPropertySource("systemEnvironment", ok)))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(CachebackProperties.class).getCaches().get("default").getInMemory()
                            .getMaximumSize()).isEqualTo(5);
                });
        Map<String, Object> typo = new HashMap<>(Map.of("CACHEBACK_QUEUE_TPYE", "redis"));
        runner.withInitializer(c -> c.getEnvironment().getPropertySources()
                        .addFirst(new SystemEnvironmentPropertySource("systemEnvironment", typo)))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(analyze(context.getStartupFailure()).getDescription())
                            .contains("cacheback.queue.tpye").contains("CACHEBACK_QUEUE_TPYE")
                            .contains("did you mean cacheback.queue.type?");
                });
    }

    /** A sibling feature's properties under cacheback.*: its keys are valid too. */
    @org.springframework.boot.context.properties.ConfigurationProperties("cacheback.extra")
    public static class ExtraProperties {
        private int level;

        public int getLevel() {
            return level;
        }

        public void setLevel(int level) {
            this.level = level;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @org.springframework.boot.context.properties.EnableConfigurationProperties(ExtraProperties.class)
    static class Extra {
    }

    @Test
    void keysOfOtherPropertiesClassesUnderCachebackAreAccepted() {
        runner.withUserConfiguration(Extra.class).withPropertyValues("cacheback.extra.level=3").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(ExtraProperties.class).getLevel()).isEqualTo(3);
        });
        runner.withUserConfiguration(Extra.class).withPropertyValues("cacheback.extra.levle=3").run(context ->
                assertThat(analyze(context.getStartupFailure()).getDescription())
                        .contains("did you mean cacheback.extra.level?"));
    }

    @Test
    void otherFailuresAreLeftToBootsAnalyzers() {
        assertThat(new CachebackFailureAnalyzer().analyze(new IllegalStateException("not ours"))).isNull();
    }

    @Test
    void springApplicationPrintsDescriptionAndActionThroughTheRegisteredAnalyzer(CapturedOutput output) {
        SpringApplication application = new SpringApplication(Minimal.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        assertThatThrownBy(() -> application.run("--cacheback.queue.tpye=redis").close())
                .isInstanceOf(CachebackConfigurationException.class);
        assertThat(output).contains("APPLICATION FAILED TO START").contains("Description:")
                .contains("Unknown property cacheback.queue.tpye").contains("did you mean cacheback.queue.type?")
                .contains("Action:");
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(CachebackAutoConfiguration.class)
    static class Minimal {
    }

    @Test
    void everyKeyIsAcceptedByTheCheckerAndDescribedInTheMetadataWithHintsForTypes() throws Exception {
        JsonNode metadata = JsonMapper.builder().build()
                .readTree(new File("target/classes/META-INF/spring-configuration-metadata.json"));
        Map<String, JsonNode> described = new HashMap<>();
        metadata.get("properties").forEach(p -> described.put(p.get("name").asString(), p));
        Set<String> missing = new TreeSet<>();
        for (String key : CachebackPropertyChecker.keys()) {
            String concrete = key.replace("cacheback.jobs.*", "cacheback.jobs.quotes").replace("*", "default");
            JsonNode p = described.get(concrete);
            if (p == null || p.get("description") == null || p.get("description").asString().isBlank()
                    || p.get("type") == null) {
                missing.add(concrete);
            }
        }
        assertThat(missing).as("keys without a type and description in the metadata").isEmpty();
        assertThat(CachebackPropertyChecker.keys()).contains("cacheback.caches.*.redis.key-prefix",
                "cacheback.caches.*.memcached.item-size-limit", "cacheback.caches.*.in-memory.maximum-size",
                "cacheback.queue.rabbitmq.default-queue", "cacheback.queue.redis.stream-prefix",
                "cacheback.queue.in-process.capacity", "cacheback.worker.concurrency");
        Map<String, Set<String>> hints = new HashMap<>();
        metadata.get("hints").forEach(h -> {
            Set<String> values = new TreeSet<>();
            h.get("values").forEach(v -> values.add(v.get("value").asString()));
            hints.put(h.get("name").asString(), values);
        });
        assertThat(hints.get("cacheback.queue.type")).containsExactlyInAnyOrder("in-process", "redis", "rabbitmq");
        assertThat(hints.get("cacheback.caches.default.type"))
                .containsExactlyInAnyOrder("in-memory", "redis", "memcached", "dummy");
    }
}

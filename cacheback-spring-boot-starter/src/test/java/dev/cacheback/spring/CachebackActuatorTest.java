package dev.cacheback.spring;

import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.CacheBackendException;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code cacheback} Actuator endpoint and health contributor, and the conditions around them. */
class CachebackActuatorTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class, CachebackEndpointAutoConfiguration.class,
                    CachebackHealthAutoConfiguration.class))
            .withUserConfiguration(Setup.class);

    private final ApplicationContextRunner exposed = runner.withPropertyValues("management.endpoints.web.exposure.include=cacheback");

    public record Point(int x, int y) {
    }

    public static class Service {
        @Cached(name = "points", lifetime = "2m")
        public String describe(Point point, String label) {
            return label + point;
        }
    }

    /** A cache whose server is down. */
    static final class DownCache extends dev.cacheback.test.ForwardingCacheBackend {
        DownCache() {
            super(CacheBackend.dummy());
        }

        @Override
        protected void before(String operation) {
            throw new CacheBackendException("connection refused");
        }

        @Override
        public String describe() {
            return "down-cache";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Setup {
        @Bean
        ManualRefreshQueue queue() {
            return new ManualRefreshQueue();
        }

        @Bean
        CachebackBuilderCustomizer manualQueue(ManualRefreshQueue queue) {
            return builder -> builder.queue(queue).cache("down", new DownCache());
        }

        @Bean
        CountingJob words(dev.cacheback.Cacheback cacheback) {
            return new CountingJob(cacheback, JobSettings.builder().name("words").lifetime(Duration.ofSeconds(30)).build());
        }

        @Bean
        Service service() {
            return new Service();
        }
    }

    @Test
    void endpointOnlyWhenExposed() {
        runner.run(context -> assertThat(context).doesNotHaveBean(CachebackEndpoint.class));
        exposed.run(context -> assertThat(context).hasSingleBean(CachebackEndpoint.class));
        exposed.withPropertyValues("management.endpoint.cacheback.access=NONE")
                .run(context -> assertThat(context).doesNotHaveBean(CachebackEndpoint.class));
        exposed.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(CachebackEndpoint.class));
    }

    @Test
    @SuppressWarnings("unchecked")
    void readListsTheRuntimeAndEveryJobWithItsSettings() {
        exposed.run(context -> {
            Map<String, Object> runtime = context.getBean(CachebackEndpoint.class).runtime();
            assertThat(runtime).containsEntry("defaultAlias", "default").containsEntry("queue", "manual")
                    .containsEntry("verifyWrites", true);
            assertThat((Map<String, Object>) runtime.get("caches")).containsOnlyKeys("default", "down");
            Map<String, Map<String, Object>> jobs = (Map<String, Map<String, Object>>) runtime.get("jobs");
            assertThat(jobs).containsOnlyKeys("points", "words");
            assertThat(jobs.get("points")).containsEntry("type", "method").containsEntry("lifetime", "PT2M")
                    .containsEntry("bean", "service")
                    .containsEntry("parameterTypes", List.of(Point.class.getTypeName(), "java.lang.String"));
            assertThat(jobs.get("words")).containsEntry("type", "job").containsEntry("argType", "java.lang.String")
                    .containsEntry("lifetime", "PT30S").containsEntry("fetchOnMiss", true);
            assertThat(context.getBean(CachebackEndpoint.class).job("words")).isEqualTo(jobs.get("words"));
            assertThat(context.getBean(CachebackEndpoint.class).job("nope")).isNull();
        });
    }

    @Test
    void writeInvalidatesAndDeletesOneKey() {
        exposed.run(context -> {
            CachebackEndpoint endpoint = context.getBean(CachebackEndpoint.class);
            CountingJob words = context.getBean(CountingJob.class);
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);
            words.get("a");
            Map<String, Object> result = endpoint.update("words", "invalidate", "[\"a\"]");   // ["a"]: one element per argument
            assertThat(result).containsEntry("key", words.key("a"));
            assertThat(queue.pending()).singleElement().satisfies(t -> assertThat(t.key()).isEqualTo(words.key("a")));
            queue.runPending();
            assertThat(words.fetches()).isEqualTo(2);
            endpoint.update("words", "delete", "a");                                        // "a": the one argument, bare
            assertThat(words.rawGet("a")).isEmpty();
            assertThat(endpoint.update("words", "delete", "\"a\"")).containsEntry("key", words.key("a"));   // "a" as JSON
            // a bare string holding JSON text: the README's old trap, refused; in the array it is that very string
            assertThatThrownBy(() -> endpoint.update("words", "delete", "\"[\\\"a\\\"]\""))
                    .hasMessageContaining("args is a string holding JSON text").hasMessageContaining("\"args\": [\"ACME\"]");
            assertThat(endpoint.update("words", "delete", "[\"[\\\"a\\\"]\"]")).containsEntry("key", words.key("[\"a\"]"));

            Service service = context.getBean(Service.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            service.describe(new Point(1, 2), "p");
            assertThat(methods.rawGet("points", new Point(1, 2), "p")).isPresent();
            // [{"x": 1, "y": 2}, "p"]: the method's arguments as JSON values
            Map<String, Object> deleted = endpoint.update("points", "delete", "[{\"x\": 1, \"y\": 2}, \"p\"]");
            assertThat(deleted).containsEntry("key", methods.key("points", new Point(1, 2), "p"));
            assertThat(methods.rawGet("points", new Point(1, 2), "p")).isEmpty();

            assertThatThrownBy(() -> endpoint.update("points", "delete", "[\"p\"]")).hasMessageContaining("takes 2 arguments");
            assertThatThrownBy(() -> endpoint.update("points", "delete", "p")).hasMessageContaining("must be a JSON array of its 2");
            assertThatThrownBy(() -> endpoint.update("points", "explode", "[]"))
                    .hasMessageContaining("Unknown action \"explode\"; valid actions: [invalidate, delete]");
            assertThatThrownBy(() -> endpoint.update("points", null, "[]")).hasMessageContaining("action is missing");
            assertThatThrownBy(() -> endpoint.update("nope", "delete", "a")).isInstanceOf(CachebackEndpoint.NoSuchJobException.class)
                    .hasMessageContaining("words");
            assertThatThrownBy(() -> endpoint.update("words", "delete", null)).hasMessageContaining("java.lang.String");
            assertThatThrownBy(() -> endpoint.update("words", "delete", "[\"a\", \"b\"]")).hasMessageContaining("not 2");
            assertThatThrownBy(() -> endpoint.update("points", "delete", "[{\"x\": \"one\"}, \"p\"]"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be read");
        });
    }

    @Test
    void healthContributorObeysItsProperty() {
        runner.withPropertyValues("management.health.cacheback.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("cachebackHealthContributor"));
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("cachebackHealthContributor"));
    }

    @Test
    void nothingWithoutARuntime() {
        runner.withPropertyValues("cacheback.enabled=false", "management.endpoints.web.exposure.include=cacheback")
                .withUserConfiguration().run(context -> assertThat(context).hasFailed());
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class, CachebackEndpointAutoConfiguration.class,
                    CachebackHealthAutoConfiguration.class))
                .withPropertyValues("cacheback.enabled=false", "management.endpoints.web.exposure.include=cacheback")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(CachebackEndpoint.class)
                        .doesNotHaveBean("cachebackHealthContributor"));
    }
}

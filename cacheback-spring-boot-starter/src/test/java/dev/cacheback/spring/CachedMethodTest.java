package dev.cacheback.spring;

import dev.cacheback.CacheEntry;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Cached @Cached} methods: the seed's decorator on Spring beans. */
class CachedMethodTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
            .withUserConfiguration(Setup.class)
            .withPropertyValues("quotes.lifetime=30s", "cacheback.caches.default.type=in-memory",
                    "cacheback.caches.other.type=in-memory");

    public record Query(String symbol, LocalDate day) {
    }

    public record Quote(String symbol, int version, List<Query> seen) {
    }

    /** The annotated bean. Not final, public methods; tests read its state through methods, as fields of a proxy are its own. */
    public static class QuoteService {
        final AtomicInteger calls = new AtomicInteger();
        final List<Object[]> arguments = new ArrayList<>();

        @Cached(lifetime = "${quotes.lifetime}")
        public Quote quote(String symbol, int depth) {
            calls.incrementAndGet();
            arguments.add(new Object[] {symbol, depth});
            return new Quote(symbol, calls.get(), List.of());
        }

        @Cached(name = "quotes.history", lifetime = "10s", refreshTimeout = "5s", cacheTtl = "1h")
        public Quote history(List<Query> queries, Map<String, Integer> weights) {
            calls.incrementAndGet();
            arguments.add(new Object[] {queries, weights});
            return new Quote("history", calls.get(), queries);
        }

        @Cached(name = "quotes.routed", cacheAlias = "other", fetchOnStaleThreshold = "1h",
                taskOptions = {"queue=fast", "priority=3", "delay=2s", "expiration=PT1M"})
        public String routed(String what) {
            calls.incrementAndGet();
            return "routed " + what;
        }

        @Cached(fetchOnMiss = false)
        public String lazy() {
            calls.incrementAndGet();
            return "lazy#" + calls.get();
        }

        @Cached
        public long primitive(long x) {
            calls.incrementAndGet();
            return x * 2;
        }

        public int calls() {
            return calls.get();
        }

        public List<Object[]> arguments() {
            return arguments;
        }

        @Cached
        public String checked(String what) throws java.io.IOException {
            throw new java.io.IOException("no " + what);
        }

        public String plain() {
            calls.incrementAndGet();
            return "plain";
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TestRuntimeConfiguration.class)
    static class Setup {
        @Bean
        QuoteService quoteService() {
            return new QuoteService();
        }
    }

    @Test
    void aMethodTakingACollectionIsOneEntryPerDistinctCollectionNotABulkRead() {
        runner.run(context -> {
            QuoteService service = context.getBean(QuoteService.class);
            Query a = new Query("A", LocalDate.of(2031, 1, 2));
            Query b = new Query("B", LocalDate.of(2031, 1, 3));
            Map<String, Integer> weights = Map.of("w", 1);

            Quote both = service.history(List.of(a, b), weights);
            assertThat(service.history(List.of(a, b), weights)).isEqualTo(both);   // the same collection: a hit
            assertThat(service.calls()).isEqualTo(1);
            service.history(List.of(a), weights);                                  // a part of it: its own entry
            service.history(List.of(b, a), weights);                               // its elements in another order too
            assertThat(service.calls()).isEqualTo(3);
        });
    }

    @Test
    void missHitStaleThenTheWorkerRefreshesByName() {
        runner.run(context -> {
            QuoteService service = context.getBean(QuoteService.class);
            TestClock clock = context.getBean(TestClock.class);
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);

            assertThat(service.quote("ACME", 2).version()).isEqualTo(1);     // miss: the method ran
            assertThat(service.quote("ACME", 2).version()).isEqualTo(1);     // hit
            assertThat(service.quote("ACME", 3).version()).isEqualTo(2);     // other arguments, other entry
            assertThat(service.calls()).isEqualTo(2);

            clock.advance(Duration.ofSeconds(31));                           // the ${quotes.lifetime} placeholder
            assertThat(service.quote("ACME", 2).version()).isEqualTo(1);     // stale, served at once
            assertThat(service.calls()).isEqualTo(2);
            assertThat(queue.pending()).singleElement().extracting(RefreshTask::jobName).isEqualTo("QuoteService.quote");

            assertThat(queue.runPending()).isEqualTo(1);                    // the worker finds the job by name
            assertThat(queue.results()).containsExactly(TaskResult.done());
            assertThat(service.calls()).isEqualTo(3);
            assertThat(service.arguments().get(2)).containsExactly("ACME", 2); // decoded as String and int
            assertThat(service.quote("ACME", 2).version()).isEqualTo(3);     // fresh data
            assertThat(service.calls()).isEqualTo(3);
        });
    }

    @Test
    void genericArgumentsRoundTripWithTheirDeclaredTypes() {
        runner.run(context -> {
            QuoteService service = context.getBean(QuoteService.class);
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);
            List<Query> queries = List.of(new Query("ACME", LocalDate.of(2024, 2, 29)));
            Map<String, Integer> weights = Map.of("a", 1);
            service.history(queries, weights);
            context.getBean(CachebackMethods.class).invalidate("quotes.history", queries, weights);
            assertThat(queue.runPending()).isEqualTo(1);
            Object[] decoded = service.arguments().get(1);
            assertThat(decoded[0]).isEqualTo(queries);                       // records, not maps
            assertThat(((List<?>) decoded[0]).get(0)).isInstanceOf(Query.class);
            assertThat(decoded[1]).isEqualTo(weights);
            // the task carries no class name
            String payload = new String(queue.enqueued().get(0).args(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(payload).doesNotContain("dev.cacheback").doesNotContain("Query");
        });
    }

    @Test
    void annotationAttributesBecomeJobSettings() {
        runner.run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            var history = cacheback.job("quotes.history").orElseThrow();
            assertThat(history.lifetime()).isEqualTo(Duration.ofSeconds(10));
            assertThat(history.refreshTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(history.cacheTtl()).isEqualTo(Duration.ofHours(1));
            assertThat(history.fetchOnMiss()).isTrue();
            assertThat(cacheback.job("QuoteService.quote").orElseThrow().lifetime()).isEqualTo(Duration.ofSeconds(30));
            assertThat(cacheback.job("QuoteService.lazy").orElseThrow().fetchOnMiss()).isFalse();
            assertThat(cacheback.job("QuoteService.plain")).isEmpty();
            var routed = cacheback.job("quotes.routed").orElseThrow();
            assertThat(routed.cacheAlias()).isEqualTo("other");
            assertThat(routed.fetchOnStaleThreshold()).isEqualTo(Duration.ofHours(1));
            assertThat(routed.taskOptions()).isEqualTo(dev.cacheback.TaskOptions.builder().queue("fast").priority(3)
                    .delay(Duration.ofSeconds(2)).expiration(Duration.ofMinutes(1)).build());
            QuoteService service = context.getBean(QuoteService.class);
            service.routed("x");
            assertThat(cacheback.cache("other").get(context.getBean(CachebackMethods.class).key("quotes.routed", "x"),
                    new dev.cacheback.spi.EntryCodec<String>() {
                        public java.lang.reflect.Type valueType() {
                            return String.class;
                        }

                        public byte[] encode(CacheEntry<String> entry) {
                            throw new UnsupportedOperationException();
                        }

                        public CacheEntry<String> decode(byte[] bytes) {
                            throw new UnsupportedOperationException();
                        }
                    })).isNotNull();                                            // stored in the "other" cache
            context.getBean(CachebackMethods.class).invalidate("quotes.routed", "x");
            assertThat(context.getBean(ManualRefreshQueue.class).pending()).singleElement()
                    .satisfies(task -> assertThat(task.options().queue()).isEqualTo("fast"));
            assertThat(context.getBean(CachebackMethods.class).names())
                    .containsExactly("QuoteService.checked", "QuoteService.lazy", "QuoteService.primitive", "QuoteService.quote",
                            "quotes.history", "quotes.routed");
        });
    }

    @Test
    void fetchOnMissFalseReturnsNullAndRefreshesInTheBackground() {
        runner.run(context -> {
            QuoteService service = context.getBean(QuoteService.class);
            assertThat(service.lazy()).isNull();
            assertThat(service.calls()).isEqualTo(0);
            context.getBean(ManualRefreshQueue.class).runPending();
            assertThat(service.lazy()).isEqualTo("lazy#1");
            assertThat(service.primitive(21)).isEqualTo(42L);
            assertThat(service.primitive(21)).isEqualTo(42L);
            assertThat(service.plain()).isEqualTo("plain");
            assertThat(service.calls()).isEqualTo(3);
        });
    }

    @Test
    void setInvalidateDeleteRawGetAndRefreshByName() {
        runner.run(context -> {
            QuoteService service = context.getBean(QuoteService.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);

            methods.set("QuoteService.quote", new Quote("SET", 99, List.of()), "ACME", 1);
            assertThat(service.quote("ACME", 1).version()).isEqualTo(99);
            assertThat(service.calls()).isEqualTo(0);
            assertThat(methods.rawGet("QuoteService.quote", "ACME", 1)).get().extracting(CacheEntry::data)
                    .isEqualTo(new Quote("SET", 99, List.of()));

            methods.invalidate("QuoteService.quote", "ACME", 1);
            assertThat(service.quote("ACME", 1).version()).isEqualTo(99);    // still served while refreshing
            assertThat(queue.runPending()).isEqualTo(1);
            assertThat(service.quote("ACME", 1).version()).isEqualTo(1);

            methods.delete("QuoteService.quote", "ACME", 1);
            assertThat(methods.rawGet("QuoteService.quote", "ACME", 1)).isEmpty();
            assertThat(service.quote("ACME", 1).version()).isEqualTo(2);     // a miss again

            assertThat(methods.refresh("QuoteService.quote", "ACME", 1)).isEqualTo(new Quote("ACME", 3, List.of()));
            assertThat(methods.key("QuoteService.quote", "ACME", 1)).startsWith("QuoteService.quote:").hasSize(19 + 32);
        });
    }

    @Test
    void wrongNamesAndArgumentsFailClearly() {
        runner.run(context -> {
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            assertThatThrownBy(() -> methods.invalidate("nope", "x")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("QuoteService.quote");
            assertThatThrownBy(() -> methods.invalidate("QuoteService.quote", "x")).hasMessageContaining("takes 2 arguments, not 1");
            assertThatThrownBy(() -> methods.invalidate("QuoteService.quote", 1, 1)).hasMessageContaining("must be a java.lang.String");
            assertThatThrownBy(() -> methods.set("QuoteService.quote", "text", "x", 1)).hasMessageContaining("returns");
            assertThatThrownBy(() -> methods.invalidate("QuoteService.primitive", (Object) null)).hasMessageContaining("cannot be null");
            // a checked exception the method declares reaches the caller as a direct call would throw it
            QuoteService service = context.getBean(QuoteService.class);
            assertThatThrownBy(() -> service.checked("luck")).isInstanceOf(java.io.IOException.class).hasMessage("no luck");
        });
    }

    public abstract static class Greeter {
        @Cached
        public String greet(String name) {
            return prefix() + " " + name;
        }

        protected abstract String prefix();
    }

    public static class English extends Greeter {
        @Override
        protected String prefix() {
            return "hello";
        }
    }

    public static class French extends Greeter {
        @Override
        protected String prefix() {
            return "bonjour";
        }
    }

    @Test
    void anInheritedMethodIsOneJobPerBeanClass() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
                .withBean(English.class).withBean(French.class).run(context -> {
                    assertThat(context.getBean(English.class).greet("ada")).isEqualTo("hello ada");
                    assertThat(context.getBean(French.class).greet("ada")).isEqualTo("bonjour ada");
                    assertThat(context.getBean(CachebackMethods.class).names()).containsExactly("English.greet", "French.greet");
                    assertThat(context.getBean(CachebackMethods.class).rawGet("French.greet", "ada")).get()
                            .extracting(CacheEntry::data).isEqualTo("bonjour ada");
                });
    }

    public static final class FinalService {
        @Cached
        public String value() {
            return "v";
        }
    }

    public static class VoidService {
        @Cached
        public void nothing() {
        }
    }

    public static class BadDuration {
        @Cached(lifetime = "soon")
        public String value() {
            return "v";
        }
    }

    @Test
    void misuseFailsAtStartupNamingTheFix() {
        ApplicationContextRunner base = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class));
        base.withBean(FinalService.class).run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("its class is final, so it cannot be proxied"));
        base.withBean(VoidService.class).run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("returns void"));
        base.withBean(BadDuration.class).run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                .hasMessageContaining("\"soon\" is not a duration"));
        base.withBean("one", English.class).withBean("two", English.class).run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("Two @Cached methods are named \"English.greet\"").hasMessageContaining("'one'")
                        .hasMessageContaining("'two'"));
    }
}

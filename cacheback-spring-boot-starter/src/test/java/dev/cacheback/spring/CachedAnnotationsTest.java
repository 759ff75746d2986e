package dev.cacheback.spring;

import dev.cacheback.CacheEntry;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code key}, {@code condition} and {@code unless} on {@link Cached @Cached}, and
 * {@link CachedPut @CachedPut}, {@link CachedInvalidate @CachedInvalidate},
 * {@link CachedDelete @CachedDelete}; on an in-memory cache that stores bytes.
 */
class CachedAnnotationsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
            .withUserConfiguration(Setup.class)
            .withPropertyValues("cacheback.caches.default.type=in-memory", "cacheback.caches.default.in-memory.store-copies=true");

    public record Quote(String symbol, int version) {
    }

    public static class Quotes {
        final AtomicInteger calls = new AtomicInteger();
        final List<List<Object>> arguments = new ArrayList<>();

        /** Keyed by symbol alone: the request id does not select the entry. */
        @Cached(key = "#symbol", lifetime = "1m")
        public Quote quote(String symbol, String requestId) {
            arguments.add(List.of(symbol, requestId));
            return new Quote(symbol, calls.incrementAndGet());
        }

        @Cached(name = "byPosition", key = "#p0.toUpperCase()", condition = "#p0 != 'skip'",
                unless = "#result.version() > 100")
        public Quote byPosition(String symbol, int version) {
            calls.incrementAndGet();
            return new Quote(symbol, version);
        }

        @Cached(name = "byRoot", key = "#root.args[1]")
        public String byRoot(String ignored, String used) {
            return ignored + "/" + used + "#" + calls.incrementAndGet();
        }

        @Cached(name = "plain")
        public Quote plain(String symbol) {
            return new Quote(symbol, calls.incrementAndGet());
        }

        public int calls() {
            return calls.get();
        }

        public List<List<Object>> arguments() {
            return arguments;
        }
    }

    public static class Writer {
        @CachedPut(job = "Quotes.quote", key = "#quote.symbol()")
        public Quote save(Quote quote) {
            return quote;
        }

        @CachedPut(job = "plain", unless = "#result == null")
        public Quote reload(String symbol) {
            return symbol.equals("none") ? null : new Quote(symbol, 500);
        }

        @CachedInvalidate(job = "Quotes.quote", key = "#symbol")
        public void changed(String symbol) {
        }

        @CachedInvalidate(job = "plain")
        public void plainChanged(String symbol) {
        }

        @CachedDelete(job = "Quotes.quote", key = "#symbol", condition = "#result")
        public boolean delist(String symbol, boolean really) {
            return really;
        }

        @CachedDelete(job = "plain", key = "#result")
        public String delistPlain(String lowerCase) {
            return lowerCase.toUpperCase();
        }

        @CachedDelete(job = "plain")
        public void failingDelete(String symbol) {
            throw new IllegalStateException("refused");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TestRuntimeConfiguration.class)
    static class Setup {
        @Bean
        Quotes quotes() {
            return new Quotes();
        }

        @Bean
        Writer writer() {
            return new Writer();
        }
    }

    @Test
    void aKeyExpressionSelectsTheEntryAndAWorkerCallsTheMethodWithTheStaleCallersArguments() {
        runner.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            TestClock clock = context.getBean(TestClock.class);
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);

            assertThat(quotes.quote("ACME", "r1").version()).isEqualTo(1);
            assertThat(quotes.quote("ACME", "r2").version()).isEqualTo(1);      // same symbol: a hit
            assertThat(quotes.quote("OTHER", "r1").version()).isEqualTo(2);
            assertThat(methods.key("Quotes.quote", "ACME", "r1")).isEqualTo(methods.key("Quotes.quote", "ACME", "anything"))
                    .isNotEqualTo(methods.key("Quotes.quote", "OTHER", "r1")).startsWith("Quotes.quote:").hasSize(13 + 32);

            clock.advance(Duration.ofMinutes(2));
            assertThat(quotes.quote("ACME", "r3").version()).isEqualTo(1);      // stale, served
            RefreshTask task = queue.pending().get(0);
            assertThat(task.key()).isEqualTo(methods.key("Quotes.quote", "ACME", "x"));
            queue.runPending();
            assertThat(queue.results()).containsExactly(dev.cacheback.spi.TaskResult.done());
            assertThat(quotes.arguments()).last().isEqualTo(List.of("ACME", "r3"));   // the full arguments travelled
            assertThat(quotes.quote("ACME", "r4").version()).isEqualTo(3);
        });
    }

    @Test
    void positionalAndRootKeysConditionAndUnless() {
        runner.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            assertThat(quotes.byPosition("acme", 1)).isEqualTo(new Quote("acme", 1));
            assertThat(quotes.byPosition("ACME", 2)).isEqualTo(new Quote("acme", 1));   // #p0.toUpperCase(): one entry
            assertThat(quotes.calls()).isEqualTo(1);

            assertThat(quotes.byPosition("skip", 1)).isEqualTo(new Quote("skip", 1));   // condition false: called, not cached
            assertThat(quotes.byPosition("skip", 2)).isEqualTo(new Quote("skip", 2));
            assertThat(methods.rawGet("byPosition", "skip", 1)).isEmpty();
            assertThat(quotes.calls()).isEqualTo(3);

            assertThat(quotes.byPosition("big", 101)).isEqualTo(new Quote("big", 101));  // unless true: returned, not stored
            assertThat(methods.rawGet("byPosition", "big", 101)).isEmpty();
            assertThat(quotes.byPosition("big", 7)).isEqualTo(new Quote("big", 7));      // so the next call fetches and stores
            assertThat(quotes.calls()).isEqualTo(5);
            assertThat(methods.rawGet("byPosition", "BIG", 0)).get().extracting(CacheEntry::data).isEqualTo(new Quote("big", 7));

            assertThat(quotes.byRoot("a", "k")).isEqualTo("a/k#6");
            assertThat(quotes.byRoot("b", "k")).isEqualTo("a/k#6");                     // #root.args[1]
        });
    }

    @Test
    void unlessAlsoKeepsAWorkersResultOutOfTheCache() {
        runner.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);
            quotes.byPosition("w", 5);
            methods.invalidate("byPosition", "w", 500);          // the refresh calls byPosition("w", 500): unless holds
            queue.runPending();
            assertThat(quotes.calls()).isEqualTo(2);
            assertThat(methods.rawGet("byPosition", "w", 0)).get().extracting(CacheEntry::data).isEqualTo(new Quote("w", 5));
        });
    }

    @Test
    void putStoresTheResultUnderTheKeyItSelects() {
        runner.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            Writer writer = context.getBean(Writer.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            writer.save(new Quote("ACME", 42));
            assertThat(quotes.quote("ACME", "r1")).isEqualTo(new Quote("ACME", 42));
            assertThat(quotes.calls()).isZero();

            writer.reload("IBM");                                // no key: its arguments are plain's
            assertThat(quotes.plain("IBM")).isEqualTo(new Quote("IBM", 500));
            writer.reload("none");                               // unless #result == null
            assertThat(methods.rawGet("plain", "none")).isEmpty();
            assertThat(quotes.calls()).isZero();
        });
    }

    @Test
    void invalidateByKeyValueMarksTheEntryStaleAndTheNextCallRefreshesWithItsArguments() {
        runner.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            Writer writer = context.getBean(Writer.class);
            TestClock clock = context.getBean(TestClock.class);
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            quotes.quote("ACME", "r1");
            writer.changed("ACME");
            assertThat(methods.rawGet("Quotes.quote", "ACME", "-")).get().extracting(CacheEntry::expiry).isEqualTo(clock.instant());
            assertThat(queue.pending()).isEmpty();
            assertThat(quotes.quote("ACME", "r2").version()).isEqualTo(1);     // served stale, refresh enqueued
            assertThat(queue.runPending()).isEqualTo(1);
            assertThat(quotes.arguments()).last().isEqualTo(List.of("ACME", "r2"));
            assertThat(quotes.quote("ACME", "r3").version()).isEqualTo(2);

            quotes.plain("IBM");
            writer.plainChanged("IBM");                                        // full arguments: enqueued at once
            assertThat(queue.pending()).singleElement().extracting(RefreshTask::key).isEqualTo(methods.key("plain", "IBM"));
        });
    }

    @Test
    void deleteAfterANormalReturnOnly() {
        runner.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            Writer writer = context.getBean(Writer.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            quotes.quote("ACME", "r1");
            writer.delist("ACME", false);                                      // condition "#result" false
            assertThat(methods.rawGet("Quotes.quote", "ACME", "-")).isPresent();
            writer.delist("ACME", true);
            assertThat(methods.rawGet("Quotes.quote", "ACME", "-")).isEmpty();

            quotes.plain("IBM");
            writer.delistPlain("ibm");                                         // key = #result
            assertThat(methods.rawGet("plain", "IBM")).isEmpty();

            quotes.plain("X");
            assertThatThrownBy(() -> writer.failingDelete("X")).hasMessage("refused");
            assertThat(methods.rawGet("plain", "X")).isPresent();
        });
    }

    public static class UnknownTarget {
        @CachedDelete(job = "nope")
        public void delete(String symbol) {
        }
    }

    public static class MismatchedArguments {
        @CachedInvalidate(job = "plain")
        public void invalidate(int wrong) {
        }
    }

    public static class WrongPutType {
        @CachedPut(job = "plain")
        public String put(String symbol) {
            return symbol;
        }
    }

    public static class Both {
        @Cached
        @CachedDelete(job = "Both.value")
        public String value() {
            return "v";
        }
    }

    public static class BadExpression {
        @Cached(key = "#symbol +")
        public String value(String symbol) {
            return symbol;
        }
    }

    public static class RefusedReturns {
        @Cached
        public Future<String> future() {
            return null;
        }
    }

    public static class StreamReturn {
        @Cached
        public Stream<String> stream() {
            return Stream.empty();
        }
    }

    public static class IteratorReturn {
        @Cached
        public Iterator<String> iterator() {
            return List.<String>of().iterator();
        }
    }

    public static class PublisherReturn {
        @Cached
        public org.reactivestreams.Publisher<String> publisher() {
            return null;
        }
    }

    public static class RawFuture {
        @Cached
        @SuppressWarnings("rawtypes")
        public java.util.concurrent.CompletableFuture raw() {
            return null;
        }
    }

    public static class VoidFuture {
        @Cached
        public java.util.concurrent.CompletableFuture<Void> nothing() {
            return null;
        }
    }

    public static class Suspending {
        @Cached
        public Object quote(String symbol, kotlin.coroutines.Continuation<? super String> continuation) {
            return null;
        }
    }

    public static class FluxPut {
        @CachedPut(job = "plain")
        public reactor.core.publisher.Flux<Quote> put(String symbol) {
            return reactor.core.publisher.Flux.empty();
        }
    }

    private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> failure(
            org.springframework.boot.test.context.assertj.AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        Throwable ours = null;
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            if (t instanceof IllegalStateException) {
                ours = t;                                  // the deepest: the starter's own message
            }
        }
        return assertThat(ours);
    }

    @Test
    void misuseFailsAtStartUpNamingTheMethodAndTheFix() {
        ApplicationContextRunner base = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class)).withBean(Quotes.class);
        base.withBean(UnknownTarget.class).run(c -> failure(c)
                .hasMessageContaining("@CachedDelete on " + UnknownTarget.class.getName() + ".delete names job \"nope\"")
                .hasMessageContaining("Quotes.quote"));
        base.withBean(MismatchedArguments.class).run(c -> failure(c)
                .hasMessageContaining("has no key, so its arguments must be those of plain").hasMessageContaining("key = \"#p0\""));
        base.withBean(WrongPutType.class).run(c -> failure(c)
                .hasMessageContaining("returns java.lang.String but plain caches " + Quote.class.getTypeName()));
        base.withBean(Both.class).run(c -> failure(c)
                .hasMessageContaining("also has @CachedDelete"));
        base.withBean(BadExpression.class).run(c -> failure(c)
                .hasMessageContaining("@Cached(key = \"#symbol +\") on " + BadExpression.class.getName() + ".value is not a SpEL expression"));
        base.withBean(RefusedReturns.class).run(c -> failure(c)
                .hasMessageContaining(RefusedReturns.class.getName() + ".future returns a java.util.concurrent.Future")
                .hasMessageContaining("return CompletableFuture<T>"));
        base.withBean(StreamReturn.class).run(c -> failure(c)
                .hasMessageContaining("java.util.stream.Stream, which can be read only once").hasMessageContaining("List<T>"));
        base.withBean(IteratorReturn.class).run(c -> failure(c)
                .hasMessageContaining("java.util.Iterator, which can be read only once"));
        base.withBean(PublisherReturn.class).run(c -> failure(c)
                .hasMessageContaining("return Reactor's Mono<T> or Flux<T>"));
        base.withBean(RawFuture.class).run(c -> failure(c)
                .hasMessageContaining("without a concrete value type").hasMessageContaining("CompletableFuture<Quote>"));
        base.withBean(VoidFuture.class).run(c -> failure(c)
                .hasMessageContaining("nothing to cache"));
        base.withBean(Suspending.class).run(c -> failure(c)
                .hasMessageContaining(Suspending.class.getName() + ".quote is a Kotlin suspend function")
                .hasMessageContaining("mono { }"));
        base.withBean(FluxPut.class).run(c -> failure(c)
                .hasMessageContaining("return Mono<List<T>>"));
    }
}

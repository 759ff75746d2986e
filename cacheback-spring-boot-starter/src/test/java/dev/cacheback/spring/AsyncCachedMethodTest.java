package dev.cacheback.spring;

import dev.cacheback.CacheEntry;
import dev.cacheback.redis.RedisCacheBackend;
import dev.cacheback.spi.TaskResult;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code CompletableFuture}, {@code CompletionStage}, {@code Mono} and {@code Flux} methods cached by
 * their value, on the real Redis (a unique key prefix per run), so that what is stored is bytes.
 */
class AsyncCachedMethodTest {

    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static String prefix;

    @BeforeAll
    static void redis() {
        URI uri = URI.create(TestServers.redisUri());
        TestServers.require("Redis", uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
        client = RedisClient.create(TestServers.redisUri());
        connection = client.connect();
        prefix = TestServers.uniquePrefix("cacheback-async-test") + ":";
    }

    @AfterAll
    static void deleteOurKeys() {
        if (connection != null) {
            RedisCommands<String, String> redis = connection.sync();
            List<String> ours = redis.keys(prefix + "*");
            if (!ours.isEmpty()) {
                redis.del(ours.toArray(String[]::new));
            }
            connection.close();
            client.shutdown();
        }
    }

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
                .withUserConfiguration(Setup.class)
                .withPropertyValues("test.prefix=" + prefix);
    }

    public record Quote(String symbol, int version, List<String> tags) {
    }

    public static class AsyncQuotes {
        final AtomicInteger calls = new AtomicInteger();
        /** When set, {@link #quote} returns it, for the test to complete. */
        volatile CompletableFuture<Quote> gate;

        @Cached(cacheAlias = "redis", lifetime = "1m")
        public CompletableFuture<Quote> quote(String symbol) {
            int n = calls.incrementAndGet();
            CompletableFuture<Quote> g = gate;
            if (g != null) {
                return g;
            }
            // completes later, on another thread: a worker must await it
            return CompletableFuture.supplyAsync(() -> new Quote(symbol, n, List.of("t")),
                    CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        }

        @Cached(cacheAlias = "redis")
        public CompletionStage<Quote> stage(String symbol) {
            return CompletableFuture.completedFuture(new Quote(symbol, calls.incrementAndGet(), List.of()));
        }

        @Cached(cacheAlias = "redis")
        public CompletableFuture<Quote> failing(String symbol) {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new IOException("source down for " + symbol));
        }

        @Cached(cacheAlias = "redis", unless = "#result != null && #result.version() > 100")
        public Mono<Quote> mono(String symbol) {
            if (symbol.equals("none")) {
                calls.incrementAndGet();
                return Mono.empty();
            }
            return Mono.fromCallable(() -> new Quote(symbol, calls.incrementAndGet(), List.of("m")))
                    .delayElement(Duration.ofMillis(10));
        }

        @Cached(cacheAlias = "redis")
        public Flux<Quote> flux(String symbol) {
            int n = calls.incrementAndGet();
            return Flux.just(new Quote(symbol, n, List.of()), new Quote(symbol + "2", n, List.of()));
        }

        public int calls() {
            return calls.get();
        }

        public void resetCalls(int value) {
            calls.set(value);
        }

        public void gate(CompletableFuture<Quote> gate) {
            this.gate = gate;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Setup {
        @Bean
        TestClock clock() {
            return new TestClock();
        }

        @Bean
        ManualRefreshQueue queue() {
            return new ManualRefreshQueue();
        }

        @Bean
        CachebackBuilderCustomizer testRuntime(TestClock clock, ManualRefreshQueue queue, Environment env) {
            return builder -> builder.clock(clock).queue(queue).cache("redis",
                    RedisCacheBackend.builder(TestServers.redisUri()).keyPrefix(env.getProperty("test.prefix")).build());
        }

        @Bean
        AsyncQuotes asyncQuotes() {
            return new AsyncQuotes();
        }
    }

    @Test
    void aMissDoesNotBlockTheCallerAndTheValueIsWhatRedisStores() {
        runner().run(context -> {
            AsyncQuotes quotes = context.getBean(AsyncQuotes.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            CompletableFuture<Quote> gate = new CompletableFuture<>();
            quotes.gate(gate);
            CompletableFuture<Quote> answer = quotes.quote("ACME");
            assertThat(answer).isNotDone();                           // the caller has its future, not the value
            await().atMost(Duration.ofSeconds(5)).until(() -> quotes.calls() == 1);
            assertThat(answer).isNotDone();
            gate.complete(new Quote("ACME", 7, List.of("a", "b")));
            assertThat(answer.get(5, TimeUnit.SECONDS)).isEqualTo(new Quote("ACME", 7, List.of("a", "b")));

            assertThat(methods.rawGet("AsyncQuotes.quote", "ACME")).get().extracting(CacheEntry::data)
                    .isEqualTo(new Quote("ACME", 7, List.of("a", "b")));     // the value, read back from bytes
            String stored = connection.sync().get(prefix + methods.key("AsyncQuotes.quote", "ACME"));
            assertThat(stored).contains("\"symbol\":\"ACME\"").doesNotContain("done").doesNotContain("numberOfDependents");

            CompletableFuture<Quote> hit = quotes.quote("ACME");
            assertThat(hit).isCompletedWithValue(new Quote("ACME", 7, List.of("a", "b")));
            assertThat(quotes.calls()).isEqualTo(1);
        });
    }

    @Test
    void concurrentMissesOfOneKeyCallTheMethodOnce() {
        runner().run(context -> {
            AsyncQuotes quotes = context.getBean(AsyncQuotes.class);
            CompletableFuture<Quote> gate = new CompletableFuture<>();
            quotes.gate(gate);
            int callers = 16;
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Quote>> answers = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                Thread t = new Thread(() -> {
                    try {
                        start.await();
                        answers.add(quotes.quote("HOT"));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                t.start();
                threads.add(t);
            }
            start.countDown();
            for (Thread t : threads) {
                t.join(10_000);
            }
            assertThat(answers).hasSize(callers).allSatisfy(f -> assertThat(f).isNotDone());   // no caller waited
            await().atMost(Duration.ofSeconds(5)).until(() -> quotes.calls() == 1);
            gate.complete(new Quote("HOT", 1, List.of()));
            for (CompletableFuture<Quote> f : answers) {
                assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(new Quote("HOT", 1, List.of()));
            }
            assertThat(quotes.calls()).isEqualTo(1);
        });
    }

    @Test
    void aFreshRuntimeReadingTheSameRedisAnswersHitsWithCompletedFuturesAndMonos() {
        runner().run(context -> {
            AsyncQuotes quotes = context.getBean(AsyncQuotes.class);
            assertThat(quotes.quote("SHARED").get(5, TimeUnit.SECONDS).symbol()).isEqualTo("SHARED");
            assertThat(quotes.mono("SHARED-M").block(Duration.ofSeconds(5))).isEqualTo(new Quote("SHARED-M", 2, List.of("m")));
            assertThat(quotes.mono("none").block(Duration.ofSeconds(5))).isNull();
            assertThat(quotes.stage("SHARED-S").toCompletableFuture().get(5, TimeUnit.SECONDS).symbol()).isEqualTo("SHARED-S");
        });
        runner().run(context -> {                                      // another process, in effect
            AsyncQuotes quotes = context.getBean(AsyncQuotes.class);
            CompletableFuture<Quote> hit = quotes.quote("SHARED");
            assertThat(hit).isDone();
            assertThat(hit.getNow(null)).isEqualTo(new Quote("SHARED", 1, List.of("t")));
            assertThat(quotes.mono("SHARED-M").block(Duration.ZERO)).isEqualTo(new Quote("SHARED-M", 2, List.of("m")));
            assertThat(quotes.mono("none").hasElement().block(Duration.ZERO)).isFalse();   // Mono.empty() for a stored null
            assertThat(quotes.stage("SHARED-S").toCompletableFuture()).isDone();
            assertThat(quotes.calls()).isZero();
        });
    }

    @Test
    void unlessTestsTheMonosValue() {
        runner().run(context -> {
            AsyncQuotes quotes = context.getBean(AsyncQuotes.class);
            quotes.resetCalls(200);                                     // versions > 100: not stored
            assertThat(quotes.mono("U").block(Duration.ofSeconds(5)).version()).isEqualTo(201);
            assertThat(quotes.mono("U").block(Duration.ofSeconds(5)).version()).isEqualTo(202);
            assertThat(context.getBean(CachebackMethods.class).rawGet("AsyncQuotes.mono", "U")).isEmpty();
        });
    }

    @Test
    void aWorkersRefreshAwaitsTheValue() {
        runner().run(context -> {
            AsyncQuotes quotes = context.getBean(AsyncQuotes.class);
            TestClock clock = context.getBean(TestClock.class);
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            assertThat(quotes.quote("W").get(5, TimeUnit.SECONDS).version()).isEqualTo(1);
            clock.advance(Duration.ofMinutes(2));
            CompletableFuture<Quote> stale = quotes.quote("W");
            assertThat(stale).isCompletedWithValue(new Quote("W", 1, List.of("t")));   // served at once
            assertThat(queue.runPending()).isEqualTo(1);
            assertThat(queue.results()).containsExactly(TaskResult.done());
            assertThat(methods.rawGet("AsyncQuotes.quote", "W")).get().extracting(CacheEntry::data)
                    .isEqualTo(new Quote("W", 2, List.of("t")));
        });
    }

    @Test
    void aFluxIsCachedAsAList() {
        runner().run(context -> {
            AsyncQuotes quotes = context.getBean(AsyncQuotes.class);
            List<Quote> first = quotes.flux("F").collectList().block(Duration.ofSeconds(5));
            assertThat(first).containsExactly(new Quote("F", 1, List.of()), new Quote("F2", 1, List.of()));
            assertThat(quotes.flux("F").collectList().block(Duration.ZERO)).isEqualTo(first);
            assertThat(quotes.calls()).isEqualTo(1);
            assertThat(context.getBean(CachebackMethods.class).rawGet("AsyncQuotes.flux", "F")).get()
                    .extracting(CacheEntry::data)
                    .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST).first().isInstanceOf(Quote.class);
        });
    }

    @Test
    void aFailedFutureFailsTheCallersFutureWithItsCauseAndStoresNothing() {
        runner().run(context -> {
            AsyncQuotes quotes = context.getBean(AsyncQuotes.class);
            CompletableFuture<Quote> failed = quotes.failing("X");
            assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IOException.class).hasMessageContaining("source down for X");
            assertThat(context.getBean(CachebackMethods.class).rawGet("AsyncQuotes.failing", "X")).isEmpty();
        });
    }
}

package dev.cacheback.spring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.stereotype.Service;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's Spring Boot examples as written: its Java blocks (every line of them is in this file,
 * checked below) and its {@code curl} line, sent over HTTP to a running web application.
 */
class ReadmeSpringExamplesTest {

    private static final Path README = Path.of("..", "README.md");
    private static final Path SOURCE = Path.of("src", "test", "java", "dev", "cacheback", "spring", "ReadmeSpringExamplesTest.java");

    private ConfigurableApplicationContext app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    public record Quote(String symbol, BigDecimal price) {
    }

    /** The slow source behind the examples. */
    public static class SlowSource {
        final AtomicInteger loads = new AtomicInteger();
        final List<String> forgotten = new ArrayList<>();

        public Quote load(String symbol) {
            loads.incrementAndGet();
            return new Quote(symbol, BigDecimal.valueOf(loads.get()));
        }

        public Quote load(String symbol, Locale locale) {
            return load(symbol);
        }

        public CompletableFuture<Quote> loadAsync(String symbol) {
            return CompletableFuture.supplyAsync(() -> load(symbol));
        }

        public void forget(String symbol) {
            forgotten.add(symbol);
        }

        public Quote save(Quote quote) {
            return quote;
        }

        public void delist(String symbol) {
            forgotten.add(symbol);
        }
    }

    /** The first screen's snippet. */
    static final class FirstScreen {
        @Service
        static class QuoteService {
            SlowSource slowSource = new SlowSource();

            // --- README first screen
            @Cached(lifetime = "5m")    // dev.cacheback.spring.Cached: the seed's @cacheback decorator
            public Quote quote(String symbol) { return slowSource.load(symbol); }
            // --- end
        }
    }

    /** The Spring section's snippets. */
    static final class Section {
        // --- README Spring section
        @Service
        public static class QuoteService {
            final SlowSource slowSource = new SlowSource();

            @Cached(lifetime = "5m")                            // one job, named "QuoteService.quote"
            public Quote quote(String symbol) {                 // the arguments are the key
                return slowSource.load(symbol);                 // runs on a miss, and in a worker when stale
            }

            @CachedInvalidate(job = "QuoteService.quote")       // after a normal return: refresh that entry behind
            public void priceChanged(String symbol) { slowSource.forget(symbol); }

            public int loads() {
                return slowSource.loads.get();
            }
        }

        @Service
        public static class Quotes {
            final SlowSource source = new SlowSource();

            @Cached(key = "#symbol", condition = "!#symbol.isEmpty()", unless = "#result.price() == null")
            public Quote quote(String symbol, Locale locale) { return source.load(symbol, locale); }

            @CachedPut(job = "Quotes.quote", key = "#result.symbol()")     // stores what save returns
            public Quote save(Quote quote) { return source.save(quote); }

            @CachedDelete(job = "Quotes.quote", key = "#symbol")           // the next call is a miss
            public void delist(String symbol) { source.delist(symbol); }

            @Cached(lifetime = "1m")                                       // cached by value: a hit is a completed future
            public CompletableFuture<Quote> quoteAsync(String symbol) { return source.loadAsync(symbol); }

            public int loads() {
                return source.loads.get();
            }
        }
        // --- end
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        Section.QuoteService quoteService() {
            return new Section.QuoteService();
        }

        @Bean
        Section.Quotes quotes() {
            return new Section.Quotes();
        }
    }

    private int start(String... more) {
        app = new SpringApplicationBuilder(App.class).properties("server.port=0",
                "management.endpoints.web.exposure.include=cacheback", "spring.main.banner-mode=off").properties(more).run();
        return ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    @Test
    void aSeparateManagementServerTakesTheSameRequest() throws Exception {
        start("management.server.port=0", "management.endpoints.web.base-path=/manage");
        int port = Integer.parseInt(app.getEnvironment().getProperty("local.management.port"));
        Curl curl = Curl.fromReadme();
        app.getBean(Section.QuoteService.class).quote("ACME");
        HttpResponse<String> response = post(port, curl.path().replace("/actuator/", "/manage/"), curl.body());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains(app.getBean(CachebackMethods.class).key("QuoteService.quote", "ACME"));
    }

    @Test
    void everyLineOfTheReadmesJavaExamplesIsInThisTest() throws IOException {
        String readme = Files.readString(README);
        // nested classes here are static where the README's are top-level: compare without "static "
        Set<String> ours = Files.readAllLines(SOURCE).stream().map(l -> l.trim().replace("static class ", "class "))
                .collect(Collectors.toSet());
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        while (m.find()) {
            if (m.group(1).contains("@Cached")) {
                blocks.add(m.group(1));
            }
        }
        assertThat(blocks).hasSize(3);
        for (String block : blocks) {
            for (String line : block.split("\\n")) {
                String trimmed = line.trim();
                if (!trimmed.isEmpty() && !trimmed.equals("}")) {
                    assertThat(ours).as("README line in this test").contains(trimmed);
                }
            }
        }
    }

    @Test
    void theJavaExamplesBehaveAsTheReadmeSays() throws Exception {
        start();
        Section.QuoteService quoteService = app.getBean(Section.QuoteService.class);
        CachebackMethods cachebackMethods = app.getBean(CachebackMethods.class);
        quoteService.quote("ACME");
        quoteService.quote("ACME");
        assertThat(quoteService.loads()).isEqualTo(1);
        quoteService.priceChanged("ACME");
        cachebackMethods.invalidate("QuoteService.quote", "ACME");   // also set / delete / rawGet / refresh

        Section.Quotes quotes = app.getBean(Section.Quotes.class);
        Quote first = quotes.quote("IBM", Locale.US);
        assertThat(quotes.quote("IBM", Locale.FRANCE)).isEqualTo(first);          // one entry per symbol
        quotes.quote("", Locale.US);
        quotes.quote("", Locale.US);                                              // condition false: not cached
        assertThat(quotes.loads()).isEqualTo(3);
        quotes.save(new Quote("IBM", BigDecimal.TEN));
        assertThat(quotes.quote("IBM", Locale.US)).isEqualTo(new Quote("IBM", BigDecimal.TEN));
        quotes.delist("IBM");
        assertThat(cachebackMethods.rawGet("Quotes.quote", "IBM", Locale.US)).isEmpty();
        Quote async = quotes.quoteAsync("MSFT").get(5, TimeUnit.SECONDS);
        assertThat(quotes.quoteAsync("MSFT")).isCompletedWithValue(async);
    }

    /** The README's {@code curl} line, parsed into its URL path and body. */
    private record Curl(String path, String body) {
        static Curl fromReadme() throws IOException {
            String readme = Files.readString(README);
            Matcher m = Pattern.compile("curl -X POST localhost:8080(\\S+) -H 'Content-Type: application/json' -d '([^']*)'")
                    .matcher(readme);
            assertThat(m.find()).as("the README's curl example").isTrue();
            return new Curl(m.group(1), m.group(2));
        }
    }

    private static HttpResponse<String> post(int port, String path, String body) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theReadmesCurlInvalidatesTheKeyTheCallReads() throws Exception {
        int port = start();
        Curl curl = Curl.fromReadme();
        assertThat(curl.body()).isEqualTo("{\"action\":\"invalidate\",\"args\":[\"ACME\"]}");
        Section.QuoteService service = app.getBean(Section.QuoteService.class);
        CachebackMethods methods = app.getBean(CachebackMethods.class);
        service.quote("ACME");
        java.time.Instant before = methods.rawGet("QuoteService.quote", "ACME").orElseThrow().expiry();

        HttpResponse<String> response = post(port, curl.path(), curl.body());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"key\":\"" + methods.key("QuoteService.quote", "ACME") + "\"");
        // invalidated: re-stored to go stale after the refresh timeout, and refreshed by the in-process worker
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> service.loads() == 2);

        HttpResponse<String> bare = post(port, curl.path(), "{\"action\":\"delete\",\"args\":\"ACME\"}");
        assertThat(bare.statusCode()).as(bare.body()).isEqualTo(200);
        assertThat(methods.rawGet("QuoteService.quote", "ACME")).isEmpty();
        assertThat(before).isNotNull();
    }

    @Test
    void badRequestsAnswer400AndUnknownJobs404WithTheMessage() throws Exception {
        int port = start();
        HttpResponse<String> unknownJob = post(port, "/actuator/cacheback/Nope.quote", "{\"action\":\"invalidate\",\"args\":[\"ACME\"]}");
        assertThat(unknownJob.statusCode()).as(unknownJob.body()).isEqualTo(404);
        assertThat(unknownJob.body()).contains("No job named \\\"Nope.quote\\\"").contains("QuoteService.quote");

        HttpResponse<String> unknownAction = post(port, "/actuator/cacheback/QuoteService.quote", "{\"action\":\"explode\",\"args\":[\"ACME\"]}");
        assertThat(unknownAction.statusCode()).as(unknownAction.body()).isEqualTo(400);
        assertThat(unknownAction.body()).contains("Unknown action \\\"explode\\\"; valid actions: [invalidate, delete]");

        HttpResponse<String> noAction = post(port, "/actuator/cacheback/QuoteService.quote", "{\"args\":[\"ACME\"]}");
        assertThat(noAction.statusCode()).as(noAction.body()).isEqualTo(400);
        assertThat(noAction.body()).contains("action is missing");

        HttpResponse<String> tooMany = post(port, "/actuator/cacheback/QuoteService.quote", "{\"action\":\"delete\",\"args\":[\"ACME\", 2]}");
        assertThat(tooMany.statusCode()).as(tooMany.body()).isEqualTo(400);
        assertThat(tooMany.body()).contains("takes 1 argument, not 2");

        HttpResponse<String> oldTrap = post(port, "/actuator/cacheback/QuoteService.quote",
                "{\"action\":\"invalidate\",\"args\":\"[\\\"ACME\\\"]\"}");       // the README's former example
        assertThat(oldTrap.statusCode()).as(oldTrap.body()).isEqualTo(400);
        assertThat(oldTrap.body()).contains("args is a string holding JSON text");

        HttpResponse<String> badValue = post(port, "/actuator/cacheback/Quotes.quote", "{\"action\":\"delete\",\"args\":[\"IBM\", {\"no\": 1}]}");
        assertThat(badValue.statusCode()).as(badValue.body()).isEqualTo(400);
        assertThat(badValue.body()).contains("cannot be read as the arguments of job Quotes.quote");
    }
}

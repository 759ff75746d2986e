package dev.cacheback.spring;

import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's "Fleet state" {@code curl} lines, word for word, sent over HTTP to a running application
 * holding two dead letters: the list shows both, the first line re-queues the first, the second the rest.
 */
class ReadmeFleetEndpointTest {

    /** The README's block, as it must read. */
    static final List<String> CURLS = List.of(
            "curl localhost:8080/actuator/cacheback/queue/dead-letters",
            "curl -X POST localhost:8080/actuator/cacheback/queue/dead-letters -H 'Content-Type: application/json' -d '{\"id\":\"1\"}'",
            "curl -X POST localhost:8080/actuator/cacheback/queue/dead-letters -H 'Content-Type: application/json' -d '{\"all\":true}'");

    private static final Pattern GET = Pattern.compile("curl localhost:8080(\\S+)");
    private static final Pattern POST = Pattern.compile(
            "curl -X POST localhost:8080(\\S+) -H 'Content-Type: application/json' -d '([^']*)'");

    private ConfigurableApplicationContext app;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(TestRuntimeConfiguration.class)
    static class App {
        @Bean
        CountingJob quotes(dev.cacheback.Cacheback cacheback) {
            return new CountingJob(cacheback, JobSettings.builder().name("readme.fleet").build());
        }
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void theReadmeShowsTheseLines() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("### Fleet state");
        assertThat(section).as("the README's Fleet state section").isPositive();
        int start = readme.indexOf("```sh\n", section) + "```sh\n".length();
        String block = readme.substring(start, readme.indexOf("```", start));
        assertThat(block.lines().toList()).isEqualTo(CURLS);
    }

    @Test
    void theReadmesLinesListAndReQueueDeadLetters() throws Exception {
        app = new SpringApplicationBuilder(App.class).properties("server.port=0", "spring.main.banner-mode=off",
                "management.endpoints.web.exposure.include=cacheback", "cacheback.retry.max-attempts=1").run();
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        CountingJob quotes = app.getBean(CountingJob.class);
        ManualRefreshQueue queue = app.getBean(ManualRefreshQueue.class);
        quotes.failWith(new IllegalStateException("down"));
        quotes.asyncRefresh("ACME");
        quotes.asyncRefresh("IBM");
        queue.runPending();
        assertThat(queue.deadLetters()).hasSize(2);
        quotes.failWith(null);

        HttpResponse<String> list = run(port, CURLS.get(0));
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        assertThat(list.body()).contains("\"id\":\"1\"").contains("\"id\":\"2\"").contains(quotes.key("ACME"));

        HttpResponse<String> one = run(port, CURLS.get(1));
        assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
        assertThat(one.body()).contains("\"requeued\":1");
        HttpResponse<String> all = run(port, CURLS.get(2));
        assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
        assertThat(all.body()).contains("\"requeued\":1");
        assertThat(queue.runPending()).isEqualTo(2);
        assertThat(quotes.rawGet("ACME")).isPresent();
        assertThat(quotes.rawGet("IBM")).isPresent();
        assertThat(run(port, CURLS.get(0)).body()).contains("\"deadLetters\":[]");
    }

    private static HttpResponse<String> run(int port, String curl) throws Exception {
        HttpRequest.Builder request;
        Matcher post = POST.matcher(curl);
        if (post.matches()) {
            request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + post.group(1)))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(post.group(2)));
        } else {
            Matcher get = GET.matcher(curl);
            assertThat(get.matches()).as(curl).isTrue();
            request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + get.group(1))).GET();
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}

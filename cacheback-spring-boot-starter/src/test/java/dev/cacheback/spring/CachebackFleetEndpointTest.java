package dev.cacheback.spring;

import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet state of the {@code cacheback} Actuator endpoint over real HTTP: each job's counts and
 * errors, the queue's state, dead letters listed and re-queued (one, all), and the answers to wrong
 * requests. On the test clock and the manual queue, whose tasks the test runs.
 */
class CachebackFleetEndpointTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ConfigurableApplicationContext app;
    private int port;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(TestRuntimeConfiguration.class)
    static class App {
        @Bean
        CountingJob words(dev.cacheback.Cacheback cacheback) {
            return new CountingJob(cacheback, JobSettings.builder().name("fleet.words").lifetime(Duration.ofMinutes(1)).build());
        }
    }

    @BeforeEach
    void start() {
        app = new SpringApplicationBuilder(App.class).properties("server.port=0", "spring.main.banner-mode=off",
                "management.endpoints.web.exposure.include=cacheback").run();
        port = ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    @AfterEach
    void stop() {
        app.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    /** Fails the task of {@code key} until it is dead-lettered, moving the clock past each backoff. */
    private void deadLetter(CountingJob words, String key) {
        ManualRefreshQueue queue = app.getBean(ManualRefreshQueue.class);
        int before = queue.deadLetters().size();
        words.asyncRefresh(key);
        for (int i = 0; i < 10 && queue.deadLetters().size() == before; i++) {
            queue.runPending();
            app.getBean(TestClock.class).advance(Duration.ofMinutes(10));
        }
        assertThat(queue.deadLetters()).hasSize(before + 1);
    }

    @Test
    void eachJobShowsItsCountsAndErrorsAndTheFleetItsQueue() throws Exception {
        CountingJob words = app.getBean(CountingJob.class);
        words.get("a");
        words.get("a");
        words.failWith(new IllegalStateException("dictionary\nis down"));
        deadLetter(words, "b");

        JsonNode runtime = json(get("/actuator/cacheback"), 200);
        JsonNode state = runtime.path("jobs").path("fleet.words").path("state");
        assertThat(state.path("hits").asLong()).isEqualTo(1);
        assertThat(state.path("misses").asLong()).isEqualTo(1);
        assertThat(state.path("stale").asLong()).isZero();
        assertThat(state.path("refreshesInFlight").asLong()).isZero();
        assertThat(state.path("refreshFailures").asLong()).isEqualTo(5);
        JsonNode error = state.path("lastErrors").get(4);
        assertThat(error.path("key").asString()).isEqualTo(words.key("b"));
        assertThat(error.path("message").asString()).contains("dictionary\\u000Ais down");
        JsonNode fleet = runtime.path("fleet");
        assertThat(fleet.path("queue").asString()).isEqualTo("manual");
        JsonNode queue = fleet.path("queues").get(0);
        assertThat(queue.path("queue").asString()).isEqualTo("manual");
        assertThat(queue.path("waiting").asLong()).isZero();
        assertThat(queue.path("deadLetters").asLong()).isEqualTo(1);
        assertThat(fleet.path("deadLetters").get(0).path("key").asString()).isEqualTo(words.key("b"));

        assertThat(json(get("/actuator/cacheback/fleet.words"), 200).path("state").path("hits").asLong()).isEqualTo(1);
    }

    @Test
    void deadLettersAreListedAndReQueuedOneOrAll() throws Exception {
        CountingJob words = app.getBean(CountingJob.class);
        ManualRefreshQueue queue = app.getBean(ManualRefreshQueue.class);
        words.failWith(new IllegalStateException("down"));
        deadLetter(words, "x");
        deadLetter(words, "y");

        JsonNode listed = json(get("/actuator/cacheback/queue/dead-letters"), 200).path("deadLetters");
        assertThat(listed).hasSize(2);
        JsonNode first = listed.get(0);
        assertThat(first.path("id").asString()).isEqualTo("1");
        assertThat(first.path("queue").asString()).isEqualTo("manual");
        assertThat(first.path("job").asString()).isEqualTo("fleet.words");
        assertThat(first.path("key").asString()).isEqualTo(words.key("x"));
        assertThat(first.path("reason").asString()).startsWith("failed 5 times: ").contains("down");
        assertThat(first.path("attempts").asInt()).isEqualTo(5);
        assertThat(first.path("deadAt").asString()).isNotEmpty();

        words.failWith(null);
        JsonNode one = json(post("/actuator/cacheback/queue/dead-letters", "{\"id\":\"1\"}"), 200);
        assertThat(one.path("requeued").asInt()).isEqualTo(1);
        queue.runPending();
        assertThat(words.rawGet("x")).isPresent();
        assertThat(json(get("/actuator/cacheback/queue/dead-letters"), 200).path("deadLetters")).hasSize(1);

        HttpResponse<String> again = post("/actuator/cacheback/queue/dead-letters", "{\"id\":\"1\"}");
        assertThat(json(again, 404).path("error").asString()).contains("No dead letter has id \"1\"");

        assertThat(json(post("/actuator/cacheback/queue/dead-letters", "{\"all\":true}"), 200).path("requeued").asInt())
                .isEqualTo(1);
        queue.runPending();
        assertThat(words.rawGet("y")).isPresent();
        assertThat(json(get("/actuator/cacheback/queue/dead-letters"), 200).path("deadLetters")).isEmpty();
        JsonNode queues = json(get("/actuator/cacheback"), 200).path("fleet").path("queues");
        assertThat(queues.get(0).path("deadLetters").asLong()).isZero();
    }

    @Test
    void wrongRequestsAnswer400Or404WithTheMessage() throws Exception {
        assertThat(json(post("/actuator/cacheback/queue/dead-letters", "{}"), 400).path("error").asString())
                .contains("Give either \"id\"").contains("not neither");
        assertThat(json(post("/actuator/cacheback/queue/dead-letters", "{\"id\":\"1\",\"all\":true}"), 400)
                .path("error").asString()).contains("not both");
        assertThat(json(get("/actuator/cacheback/queue/nothing"), 404).path("error").asString())
                .contains("dead letters are at queue/dead-letters");
        assertThat(json(post("/actuator/cacheback/queue/nothing", "{\"all\":true}"), 404).path("error").asString())
                .contains("dead letters are at queue/dead-letters");
    }
}

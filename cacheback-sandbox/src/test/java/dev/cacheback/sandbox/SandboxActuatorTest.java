package dev.cacheback.sandbox;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox's Actuator surface over HTTP: the cacheback endpoint and its write operation, health, metrics. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sandbox.fetch-delay=10ms", "spring.main.banner-mode=off"})
class SandboxActuatorTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(int port, String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @LocalServerPort
    int port;

    @Test
    void listsJobsInvalidatesAndDeletesAndReportsHealthAndMetrics() throws Exception {
        assertThat(get(port, "/method?symbol=HTTP").body()).contains(">MISS<");
        assertThat(get(port, "/method?symbol=HTTP").body()).contains(">HIT<");

        String listing = get(port, "/actuator/cacheback").body();
        assertThat(listing).contains("\"sandbox.quote-job\"").contains("\"sandbox.quote-method\"")
                .contains("\"lifetime\":\"PT10S\"");

        HttpResponse<String> deleted = post(port, "/actuator/cacheback/sandbox.quote-method",
                "{\"action\":\"delete\",\"args\":[\"HTTP\"]}");   // one element per method parameter
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(deleted.body()).contains("sandbox.quote-method:");
        assertThat(get(port, "/method?symbol=HTTP").body()).contains(">MISS<");

        assertThat(get(port, "/?symbol=HTTP").body()).contains(">MISS<");
        HttpResponse<String> invalidated = post(port, "/actuator/cacheback/sandbox.quote-job",
                "{\"action\":\"invalidate\",\"args\":\"HTTP\"}");
        assertThat(invalidated.statusCode()).isEqualTo(200);

        HttpResponse<String> health = get(port, "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"cacheback\"").contains("\"queue\"").contains("in-memory");

        String metrics = get(port, "/actuator/metrics/cacheback.gets?tag=job:sandbox.quote-method&tag=status:miss").body();
        assertThat(metrics).contains("\"value\":2.0");
    }
}

package dev.cacheback.sandbox;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fleet page over HTTP, as its forms post: break the source, invalidate an entry, see the refresh
 * fail into a dead letter (job, key, reason), mend the source, re-queue it with its button, and see it
 * refreshed and the dead count back to zero. Real threads (the in-process worker), so Awaitility.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sandbox.fetch-delay=10ms", "cacheback.retry.max-attempts=2", "cacheback.retry.initial-backoff=50ms",
                "spring.main.banner-mode=off"})
class SandboxFleetPageTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern REQUEUE_ID = Pattern.compile("name=\"id\" value=\"([^\"]+)\"");

    @LocalServerPort
    int port;

    private String get(String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** Posts a form as the page's buttons do; answers the redirect's status. */
    private int form(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String cell(String page, String job, String cls) {
        Matcher m = Pattern.compile("<code>" + Pattern.quote(job) + "</code></td>.*?<td class=\"" + cls + "\">(\\d+)</td>",
                Pattern.DOTALL).matcher(page);
        assertThat(m.find()).as(cls + " of " + job + " in\n" + page).isTrue();
        return m.group(1);
    }

    private static String deadCount(String page) {
        Matcher m = Pattern.compile("<td class=\"dead\">(\\d+)</td>").matcher(page);
        assertThat(m.find()).as("the queue's dead letters in\n" + page).isTrue();
        return m.group(1);
    }

    @Test
    void aFailedRefreshIsDeadLetteredShownAndReQueuedWithItsButton() throws Exception {
        get("/?symbol=FLEET");                                   // miss
        get("/?symbol=FLEET");                                   // hit
        String page = get("/fleet");
        assertThat(page).contains("<span id=\"source\" class=\"answering\">answering</span>");
        assertThat(cell(page, QuoteJob.NAME, "misses")).isEqualTo("1");
        assertThat(cell(page, QuoteJob.NAME, "hits")).isEqualTo("1");
        assertThat(page).contains("<code id=\"queue\">in-process</code>");
        assertThat(deadCount(page)).isEqualTo("0");

        assertThat(form("/fleet/source", "down=true")).isEqualTo(302);
        assertThat(get("/fleet")).contains("class=\"down\">down</span>");
        assertThat(form("/invalidate", "via=job&symbol=FLEET")).isEqualTo(302);
        String dead = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> get("/fleet"), p -> p.contains("class=\"dead-letter\""));
        assertThat(deadCount(dead)).isEqualTo("1");
        assertThat(dead).contains("<code>" + QuoteJob.NAME + "</code></td><td><code>" + QuoteJob.NAME + ":")
                .contains("failed 2 times: refresh failed: java.lang.IllegalStateException: the quote source is down");
        assertThat(cell(dead, QuoteJob.NAME, "failures")).isEqualTo("2");
        assertThat(dead).contains("the quote source is down (&quot;Break the source&quot; on /fleet)");
        Matcher id = REQUEUE_ID.matcher(dead);
        assertThat(id.find()).isTrue();

        assertThat(form("/fleet/source", "down=false")).isEqualTo(302);
        assertThat(form("/fleet/requeue", "id=" + id.group(1))).isEqualTo(302);
        String after = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> get("/?symbol=FLEET"), p -> p.contains("<span id=\"version\">2</span>"));
        assertThat(after).contains(">HIT<");
        String fleet = get("/fleet");
        assertThat(deadCount(fleet)).isEqualTo("0");
        assertThat(fleet).doesNotContain("class=\"dead-letter\"");
        assertThat(form("/fleet/requeue", "all=true")).isEqualTo(302);
    }
}

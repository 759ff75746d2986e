package dev.cacheback.sandbox;

import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Drives the sandbox's page in a real headless Chromium (Debian's chromium and chromium-driver; no
 * browser download). Timing is asserted on what the page reports (its status and the source's fetch
 * time), never on wall-clock durations measured here.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"sandbox.lifetime=3s", "sandbox.fetch-delay=1500ms", "spring.main.banner-mode=off",
                "cacheback.retry.max-attempts=2", "cacheback.retry.initial-backoff=100ms"})
class SandboxBrowserTest {

    private static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM_BINARY", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver");

    /** Selenium logs through java.util.logging; held so that its level sticks. */
    private static final java.util.logging.Logger SELENIUM_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium");

    private static WebDriver browser;
    private static Path profile;

    @LocalServerPort
    int port;

    @org.springframework.beans.factory.annotation.Autowired
    SlowQuoteSource source;

    /** A test that stops half-way (the fleet test breaks the source) leaves the next one a working page. */
    @org.junit.jupiter.api.AfterEach
    void mendTheSource() {
        source.setDown(false);
    }

    /**
     * Whether {@code element} has left the page. Chromium reports a node of a replaced document either as
     * stale or as "does not belong to the document" (a plain {@link org.openqa.selenium.WebDriverException}).
     */
    private static boolean gone(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (org.openqa.selenium.WebDriverException e) {
            return true;
        }
    }

    @BeforeAll
    static void startBrowser() throws IOException {
        boolean present = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
        if (!present) {
            String message = "SandboxBrowserTest needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver; .ci/run installs them)";
            if (TestServers.inCi()) {
                throw new IllegalStateException(message);
            }
            System.err.println("SKIPPED: " + message);
            assumeTrue(false, message);
        }
        SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);  // not the "no CDP for this version" warnings
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        System.setProperty("SE_OFFLINE", "true");           // never let Selenium Manager download anything
        profile = Files.createTempDirectory("sandbox-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /** What the page reported for one request. */
    record Reading(String status, long requestMillis, int version, long fetchMillis, String refresh) {
    }

    private Reading read() {
        return new Reading(text("status"), Long.parseLong(text("request-ms")), Integer.parseInt(text("version")),
                Long.parseLong(text("fetch-ms")), text("refresh"));
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText().trim();
    }

    /** Clicks a form's button and waits for the page the post redirects to. */
    private Reading submit(String button) {
        WebElement before = browser.findElement(By.id("status"));
        browser.findElement(By.id(button)).click();
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(d -> gone(before));
        wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState"))
                && !d.findElements(By.id("status")).isEmpty());
        return read();
    }

    private Reading open(String path) {
        browser.get("http://localhost:" + port + path);
        return read();
    }

    /** Clicks a button of the fleet page and waits for the page its form redirects to. */
    private void clickOnFleet(WebElement button) {
        WebElement before = browser.findElement(By.id("at"));
        button.click();
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(d -> gone(before));
        wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState"))
                && !d.findElements(By.id("at")).isEmpty());
    }

    private String fleetCell(String cls) {
        return browser.findElement(By.cssSelector("#queues td." + cls)).getText().trim();
    }

    @Test
    void theFleetPageShowsADeadLetterAndItsButtonReQueuesIt() {
        assertThat(open("/?symbol=FLEET").status()).isEqualTo("MISS");
        browser.findElement(By.id("fleet")).click();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> !d.findElements(By.id("at")).isEmpty());
        assertThat(text("source")).isEqualTo("answering");
        assertThat(fleetCell("dead")).isEqualTo("0");

        // break the source, then ask for a refresh: it fails twice and is dead-lettered
        clickOnFleet(browser.findElement(By.id("toggle-source")));
        assertThat(text("source")).isEqualTo("down");
        open("/?symbol=FLEET");
        submit("invalidate");
        browser.get("http://localhost:" + port + "/fleet");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
            browser.navigate().refresh();
            return !browser.findElements(By.cssSelector("tr.dead-letter")).isEmpty();
        });
        assertThat(fleetCell("dead")).isEqualTo("1");
        assertThat(browser.findElement(By.cssSelector("tr.dead-letter")).getText())
                .contains(QuoteJob.NAME).contains("failed 2 times").contains("the quote source is down");

        // mend it, and re-queue the dead letter with its button: the worker brings version 2
        clickOnFleet(browser.findElement(By.id("toggle-source")));
        assertThat(text("source")).isEqualTo("answering");
        clickOnFleet(browser.findElement(By.cssSelector("tr.dead-letter button.requeue")));
        assertThat(browser.findElements(By.cssSelector("tr.dead-letter"))).isEmpty();
        assertThat(fleetCell("dead")).isEqualTo("0");
        Reading refreshed = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                .until(() -> open("/?symbol=FLEET"), r -> r.version() == 2);
        assertThat(refreshed.status()).isEqualTo("HIT");
    }

    @Test
    void throughTheJob() {
        scenario("/?symbol=JOB");
    }

    @Test
    void throughTheAnnotatedMethod() {
        scenario("/method?symbol=METH");
    }

    private void scenario(String path) {
        // first load: a miss, fetched while the request waited on the 1.5 s source
        Reading first = open(path);
        assertThat(first.status()).isEqualTo("MISS");
        assertThat(first.version()).isEqualTo(1);
        assertThat(first.fetchMillis()).isGreaterThanOrEqualTo(1000);
        assertThat(first.requestMillis()).isGreaterThanOrEqualTo(1000);

        // reload: a hit on the same data
        Reading second = open(path);
        assertThat(second.status()).isEqualTo("HIT");
        assertThat(second.version()).isEqualTo(1);

        // after the 3 s lifetime: the old data, served stale at once (no fetch in the request)
        Reading stale = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> open(path), r -> !r.status().equals("HIT"));
        assertThat(stale.status()).isEqualTo("STALE");
        assertThat(stale.version()).isEqualTo(1);

        // then the worker's refresh: fresh data, as a hit
        Reading fresh = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> open(path), r -> r.version() == 2);
        assertThat(fresh.status()).isEqualTo("HIT");

        assertThat(fresh.refresh()).isEqualTo("none");
        assertThat(text("cache")).isEqualTo("default (in-memory)");
        assertThat(text("queue")).isEqualTo("in-process");

        // invalidate: the page keeps answering from the cache, saying a refresh is in progress, while it brings version 3
        Reading invalidated = submit("invalidate");
        assertThat(invalidated.status()).isEqualTo("HIT");
        assertThat(invalidated.version()).isEqualTo(2);
        assertThat(invalidated.refresh()).isEqualTo("in progress");
        Reading refreshed = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> open(path), r -> r.version() == 3);
        assertThat(refreshed.status()).isEqualTo("HIT");
        assertThat(refreshed.refresh()).isEqualTo("none");

        // delete: the next read is a slow miss again
        Reading afterDelete = submit("delete");
        assertThat(afterDelete.status()).isEqualTo("MISS");
        assertThat(afterDelete.version()).isEqualTo(4);
        assertThat(afterDelete.fetchMillis()).isGreaterThanOrEqualTo(1000);
    }
}

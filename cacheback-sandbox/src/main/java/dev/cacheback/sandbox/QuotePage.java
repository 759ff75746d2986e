package dev.cacheback.sandbox;

import dev.cacheback.CacheStatus;
import dev.cacheback.spring.CachebackMethods;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.view.RedirectView;
import org.springframework.web.util.HtmlUtils;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The page: {@code /} reads through the job, {@code /method} through the {@code @Cacheback} method.
 * Each request shows the cache status of its read, the age of the data, how long the request took and
 * how long the source took when it last ran, with buttons to invalidate and delete the entry.
 */
@RestController
public class QuotePage {

    private static final Pattern SYMBOL = Pattern.compile("[A-Za-z0-9._-]{1,20}");

    private final QuoteJob job;
    private final QuoteService service;
    private final CachebackMethods methods;
    private final StatusRecorder statuses;
    private final SandboxProperties properties;
    private final Clock clock;

    public QuotePage(QuoteJob job, QuoteService service, CachebackMethods methods, StatusRecorder statuses,
            SandboxProperties properties, dev.cacheback.Cacheback cacheback) {
        this.job = job;
        this.service = service;
        this.methods = methods;
        this.statuses = statuses;
        this.properties = properties;
        this.clock = cacheback.clock();
    }

    @GetMapping(value = "/", produces = MediaType.TEXT_HTML_VALUE)
    public String viaJob(@RequestParam(defaultValue = "ACME") String symbol) throws InterruptedException {
        return read("job", symbol(symbol));
    }

    @GetMapping(value = "/method", produces = MediaType.TEXT_HTML_VALUE)
    public String viaMethod(@RequestParam(defaultValue = "ACME") String symbol) throws InterruptedException {
        return read("method", symbol(symbol));
    }

    @PostMapping("/invalidate")
    public RedirectView invalidate(@RequestParam String via, @RequestParam String symbol) {
        if (isMethod(via)) {
            methods.invalidate(QuoteService.NAME, symbol(symbol));
        } else {
            job.invalidate(symbol(symbol));
        }
        return back(via, symbol);
    }

    @PostMapping("/delete")
    public RedirectView delete(@RequestParam String via, @RequestParam String symbol) {
        if (isMethod(via)) {
            methods.delete(QuoteService.NAME, symbol(symbol));
        } else {
            job.delete(symbol(symbol));
        }
        return back(via, symbol);
    }

    private String read(String via, String symbol) throws InterruptedException {
        statuses.reset();
        long start = System.nanoTime();
        Quote quote = via.equals("method") ? service.quote(symbol) : job.get(symbol);
        long requestMillis = (System.nanoTime() - start) / 1_000_000;
        CacheStatus status = statuses.take();
        Duration age = Duration.between(quote.fetchedAt(), clock.instant());
        return page(via, symbol, quote, status, age, requestMillis);
    }

    private String page(String via, String symbol, Quote quote, CacheStatus status, Duration age, long requestMillis) {
        String s = HtmlUtils.htmlEscape(symbol);
        String statusText = status == null ? "UNKNOWN" : status.name();
        String through = via.equals("method")
                ? "the <code>@Cacheback</code> method <code>QuoteService.quote</code>"
                : "the job <code>QuoteJob</code>";
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Cacheback sandbox</title>
                <style>
                  body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 44rem; color: #222; }
                  table { border-collapse: collapse; margin: 1rem 0; }
                  td { padding: .3rem 1rem .3rem 0; } td:first-child { color: #666; }
                  .status { font-weight: bold; font-size: 1.4rem; }
                  .HIT { color: #18794e; } .MISS { color: #b42318; } .STALE { color: #b54708; }
                  form { display: inline; } button { margin-right: .5rem; padding: .4rem .9rem; }
                  nav a { margin-right: 1rem; }
                </style></head>
                <body>
                <h1>Cacheback sandbox</h1>
                <nav><a id="via-job" href="/?symbol=%1$s">through a job</a><a id="via-method" href="/method?symbol=%1$s">through an @Cacheback method</a>
                <a href="/actuator/cacheback">/actuator/cacheback</a><a href="/actuator/health">/actuator/health</a></nav>
                <p>Quote for <b>%1$s</b> read through %2$s, from a source that takes %3$d ms per read.
                Lifetime %4$s: older data is served <i>stale</i> at once while a worker refreshes it.</p>
                <table>
                  <tr><td>status</td><td><span id="status" class="status %5$s">%5$s</span></td></tr>
                  <tr><td>request took</td><td><span id="request-ms">%6$d</span> ms</td></tr>
                  <tr><td>data age</td><td><span id="age-ms">%7$d</span> ms</td></tr>
                  <tr><td>data version</td><td><span id="version">%8$d</span></td></tr>
                  <tr><td>price</td><td><span id="price">%9$.2f</span></td></tr>
                  <tr><td>source took</td><td><span id="fetch-ms">%10$d</span> ms (when this version was fetched)</td></tr>
                </table>
                <form method="post" action="/invalidate"><input type="hidden" name="via" value="%11$s"><input type="hidden" name="symbol" value="%1$s"><button id="invalidate" type="submit">Invalidate</button></form>
                <form method="post" action="/delete"><input type="hidden" name="via" value="%11$s"><input type="hidden" name="symbol" value="%1$s"><button id="delete" type="submit">Delete</button></form>
                <p><small>Invalidate marks the entry stale and refreshes it in the background; delete removes it, so the next read is a slow miss.</small></p>
                </body></html>
                """.formatted(s, through, properties.fetchDelay().toMillis(), HtmlUtils.htmlEscape(human(properties.lifetime())),
                statusText, requestMillis, Math.max(0, age.toMillis()), quote.version(), quote.price(), quote.fetchMillis(), via);
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static boolean isMethod(String via) {
        return "method".equals(via);
    }

    private static RedirectView back(String via, String symbol) {
        RedirectView view = new RedirectView((isMethod(via) ? "/method" : "/") + "?symbol=" + symbol(symbol));
        view.setContextRelative(true);
        return view;
    }

    private static String symbol(String symbol) {
        if (!SYMBOL.matcher(symbol).matches()) {
            throw new IllegalArgumentException("symbol must be 1 to 20 letters, digits, '.', '_' or '-'");
        }
        return symbol;
    }
}

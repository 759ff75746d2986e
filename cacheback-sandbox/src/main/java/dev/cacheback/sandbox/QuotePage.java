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
 * The page: {@code /} reads through the job, {@code /method} through the {@code @Cached} method.
 * Each request shows the cache and queue it runs on, the cache status of its read, whether a refresh of
 * the entry is in progress, the age of the data, how long the request took and how long the source
 * took when it last ran, with buttons to invalidate and delete the entry and what each then does.
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
    private final dev.cacheback.Cacheback cacheback;

    public QuotePage(QuoteJob job, QuoteService service, CachebackMethods methods, StatusRecorder statuses,
            SandboxProperties properties, dev.cacheback.Cacheback cacheback) {
        this.job = job;
        this.service = service;
        this.methods = methods;
        this.statuses = statuses;
        this.properties = properties;
        this.clock = cacheback.clock();
        this.cacheback = cacheback;
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
        return page(via, symbol, quote, status, age, requestMillis, refreshing(via, symbol, quote));
    }

    /**
     * Whether the stored entry is marked for refresh: a stale read or Invalidate re-stores the entry
     * to go stale after the refresh timeout (instead of the lifetime after its fetch) and a worker is
     * fetching a new version; the entry keeps being served, as a hit, until then.
     */
    private boolean refreshing(String via, String symbol, Quote quote) {
        java.util.Optional<? extends dev.cacheback.CacheEntry<?>> entry = isMethod(via)
                ? methods.rawGet(QuoteService.NAME, symbol) : job.rawGet(symbol);
        return entry.map(e -> e.data() instanceof Quote q && q.version() == quote.version()
                && Duration.between(q.fetchedAt().plus(properties.lifetime()), e.expiry()).abs().toMillis() > 1_000)
                .orElse(false);
    }

    private String page(String via, String symbol, Quote quote, CacheStatus status, Duration age, long requestMillis,
                        boolean refreshing) {
        String s = HtmlUtils.htmlEscape(symbol);
        String statusText = status == null ? "UNKNOWN" : status.name();
        String through = via.equals("method")
                ? "the <code>@Cached</code> method <code>QuoteService.quote</code>"
                : "the job <code>QuoteJob</code>";
        String alias = cacheback.defaultAlias();
        String runsOn = "cache <code id=\"cache\">" + HtmlUtils.htmlEscape(alias + " (" + cacheback.cache(alias).describe() + ")")
                + "</code>, refresh queue <code id=\"queue\">" + HtmlUtils.htmlEscape(cacheback.queue().describe()) + "</code>";
        String refreshText = refreshing
                ? "<span id=\"refresh\" class=\"refreshing\">in progress</span>: this version is older than the lifetime; "
                        + "it is served (as a hit) until a worker stores the new one, at most the refresh timeout"
                : "<span id=\"refresh\">none</span>";
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
                  nav a { margin-right: 1rem; } .refreshing { color: #b54708; font-weight: bold; }
                </style></head>
                <body>
                <h1>Cacheback sandbox</h1>
                <nav><a id="via-job" href="/?symbol=%1$s">through a job</a><a id="via-method" href="/method?symbol=%1$s">through an @Cached method</a>
                <a id="fleet" href="/fleet">fleet</a><a href="/actuator/cacheback">/actuator/cacheback</a><a href="/actuator/health">/actuator/health</a></nav>
                <p>Quote for <b>%1$s</b> read through %2$s, from a source that takes %3$d ms per read.
                Lifetime %4$s: older data is served <i>stale</i> at once while a worker refreshes it.
                Runs on %12$s.</p>
                <table>
                  <tr><td>status</td><td><span id="status" class="status %5$s">%5$s</span></td></tr>
                  <tr><td>refresh</td><td>%13$s</td></tr>
                  <tr><td>request took</td><td><span id="request-ms">%6$d</span> ms</td></tr>
                  <tr><td>data age</td><td><span id="age-ms">%7$d</span> ms</td></tr>
                  <tr><td>data version</td><td><span id="version">%8$d</span></td></tr>
                  <tr><td>price</td><td><span id="price">%9$.2f</span></td></tr>
                  <tr><td>source took</td><td><span id="fetch-ms">%10$d</span> ms (when this version was fetched)</td></tr>
                </table>
                <form method="post" action="/invalidate"><input type="hidden" name="via" value="%11$s"><input type="hidden" name="symbol" value="%1$s"><button id="invalidate" type="submit">Invalidate</button></form>
                <form method="post" action="/delete"><input type="hidden" name="via" value="%11$s"><input type="hidden" name="symbol" value="%1$s"><button id="delete" type="submit">Delete</button></form>
                <p><small><b>Invalidate</b> asks for a refresh now: the page keeps showing this version (status HIT, refresh
                <i>in progress</i>) while a worker reads the source in the background, and a reload after about
                %3$d ms shows the next version. <b>Delete</b> removes the entry: the very next read waits for the
                source (status MISS, about %3$d ms) and shows the next version.</small></p>
                </body></html>
                """.formatted(s, through, properties.fetchDelay().toMillis(), HtmlUtils.htmlEscape(human(properties.lifetime())),
                statusText, requestMillis, Math.max(0, age.toMillis()), quote.version(), quote.price(), quote.fetchMillis(), via,
                runsOn, refreshText);
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

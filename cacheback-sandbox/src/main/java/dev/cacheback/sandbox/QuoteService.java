package dev.cacheback.sandbox;

import dev.cacheback.spring.Cached;
import org.springframework.stereotype.Service;

/** The same slow source behind a {@link Cached @Cached} method. */
@Service
public class QuoteService {

    static final String NAME = "sandbox.quote-method";

    private final SlowQuoteSource source;

    public QuoteService(SlowQuoteSource source) {
        this.source = source;
    }

    // early refresh off: the page is there to show a STALE answer while the refresh runs
    @Cached(name = NAME, lifetime = "${sandbox.lifetime:10s}", refreshTimeout = "15s", earlyRefreshBeta = "0")
    public Quote quote(String symbol) throws InterruptedException {
        return source.load(symbol, "method");
    }
}

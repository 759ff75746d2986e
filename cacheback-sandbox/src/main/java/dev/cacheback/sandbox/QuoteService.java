package dev.cacheback.sandbox;

import dev.cacheback.spring.Cacheback;
import org.springframework.stereotype.Service;

/** The same slow source behind a {@link Cacheback @Cacheback} method. */
@Service
public class QuoteService {

    static final String NAME = "sandbox.quote-method";

    private final SlowQuoteSource source;

    public QuoteService(SlowQuoteSource source) {
        this.source = source;
    }

    @Cacheback(name = NAME, lifetime = "${sandbox.lifetime:10s}", refreshTimeout = "15s")
    public Quote quote(String symbol) throws InterruptedException {
        return source.load(symbol, "method");
    }
}

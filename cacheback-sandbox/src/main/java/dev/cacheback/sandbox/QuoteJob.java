package dev.cacheback.sandbox;

import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import org.springframework.stereotype.Component;

/**
 * The slow source behind a job. A Spring bean constructed with the runtime, so it is registered with
 * it and a worker (in-process, or consuming RabbitMQ) refreshes it by name.
 */
@Component
public class QuoteJob extends Job<String, Quote> {

    static final String NAME = "sandbox.quote-job";

    private final SlowQuoteSource source;

    public QuoteJob(dev.cacheback.Cacheback cacheback, SlowQuoteSource source, SandboxProperties properties) {
        // early refresh off: the page is there to show a STALE answer while the refresh runs
        super(cacheback, JobSettings.builder().name(NAME).lifetime(properties.lifetime())
                .refreshTimeout(properties.fetchDelay().multipliedBy(10)).earlyRefreshBeta(0).build());
        this.source = source;
    }

    @Override
    protected Quote fetch(String symbol) throws InterruptedException {
        return source.load(symbol, "job");
    }
}

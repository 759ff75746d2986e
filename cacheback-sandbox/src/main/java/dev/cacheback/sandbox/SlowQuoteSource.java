package dev.cacheback.sandbox;

import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A deliberately slow source: every read takes {@code sandbox.fetch-delay} (1.5 s by default). */
@Component
public class SlowQuoteSource {

    private final SandboxProperties properties;
    private final Clock clock;
    private final ConcurrentHashMap<String, AtomicInteger> versions = new ConcurrentHashMap<>();

    public SlowQuoteSource(SandboxProperties properties, dev.cacheback.Cacheback cacheback) {
        this.properties = properties;
        this.clock = cacheback.clock();
    }

    private volatile boolean down;

    /** Makes every later read fail (the fleet page's "Break the source"), or answer again. */
    public void setDown(boolean down) {
        this.down = down;
    }

    /** Whether reads fail now. */
    public boolean isDown() {
        return down;
    }

    /**
     * Reads a quote, slowly; {@code path} keeps the job's and the method's versions apart.
     *
     * @throws IllegalStateException while the source is {@linkplain #setDown down}
     */
    public Quote load(String symbol, String path) throws InterruptedException {
        long start = System.nanoTime();
        Thread.sleep(properties.fetchDelay().toMillis()); // the expensive read being simulated
        if (down) {
            throw new IllegalStateException("the quote source is down (\"Break the source\" on /fleet)");
        }
        int version = versions.computeIfAbsent(path + "/" + symbol, k -> new AtomicInteger()).incrementAndGet();
        double price = 100 + Math.floorMod(symbol.hashCode() + version * 7919, 5000) / 100.0;
        return new Quote(symbol, price, version, clock.instant(), (System.nanoTime() - start) / 1_000_000);
    }
}

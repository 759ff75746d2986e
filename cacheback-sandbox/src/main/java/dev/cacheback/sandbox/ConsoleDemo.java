package dev.cacheback.sandbox;

import dev.cacheback.CacheStatus;
import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The smallest tour of Cacheback, on the embedded in-memory defaults: a job over a source that takes
 * about a second per read, with a two-second lifetime. It prints MISS (slow), HIT (instant), STALE
 * (instant, while a refresh runs in the background) and finally the refreshed value, with timings.
 */
public final class ConsoleDemo {

    /** A deliberately slow source: each read takes {@code delay} and returns a new version. */
    static final class SlowQuoteJob extends Job<String, String> {
        private final AtomicInteger version = new AtomicInteger();
        private final Duration delay;
        private volatile CacheStatus lastStatus;

        SlowQuoteJob(Cacheback cacheback, Duration lifetime, Duration delay) {
            super(cacheback, JobSettings.builder().name("sandbox.quote").lifetime(lifetime).earlyRefreshBeta(0).build());
            this.delay = delay;
        }

        @Override
        protected String fetch(String symbol) throws InterruptedException {
            Thread.sleep(delay.toMillis()); // the expensive read being simulated
            return symbol + " v" + version.incrementAndGet() + " (fetched " + Instant.now() + ")";
        }

        @Override
        protected String processResult(String result, String symbol, CacheStatus status, Boolean syncFetch) {
            lastStatus = status;
            return result;
        }
    }

    private ConsoleDemo() {
    }

    public static void main(String[] args) throws Exception {
        Duration lifetime = Duration.ofSeconds(2);
        try (Cacheback cacheback = Cacheback.builder().build()) {
            SlowQuoteJob job = new SlowQuoteJob(cacheback, lifetime, Duration.ofSeconds(1));
            System.out.println("Cacheback sandbox: a 1 s source behind a job with a " + lifetime.toSeconds() + " s lifetime\n");
            read(job, "1. first read");
            read(job, "2. second read");
            System.out.println("   ... waiting " + (lifetime.toMillis() + 200) + " ms for the data to go stale ...");
            Thread.sleep(lifetime.toMillis() + 200); // real time passing, for the demonstration
            read(job, "3. read after the lifetime");
            System.out.println("   ... the refresh runs on the in-process queue meanwhile ...");
            Thread.sleep(1_500);
            read(job, "4. read after the refresh");
        }
    }

    private static void read(SlowQuoteJob job, String label) {
        long start = System.nanoTime();
        String value = job.get("ACME");
        long micros = (System.nanoTime() - start) / 1_000;
        System.out.printf("%-28s %-5s %8.1f ms  %s%n", label, job.lastStatus, micros / 1000.0, value);
    }
}

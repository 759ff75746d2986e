package dev.cacheback;

import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's core examples, run as they are written: each block between {@code // --- README} and
 * {@code // --- end} below is a README code block word for word (indentation aside), which
 * {@link #theReadmeShowsTheseBlocksWordForWord} checks.
 */
class ReadmeExampleTest {

    record User(String name) {
    }

    static final class UserService {
        final AtomicInteger loads = new AtomicInteger();

        User load(String username) {
            loads.incrementAndGet();
            return new User(username);
        }
    }

    record Profile(String name) {
    }

    static final class ProfileService {
        final AtomicInteger loads = new AtomicInteger();

        Profile load(String name) {
            loads.incrementAndGet();
            return new Profile(name);
        }
    }

    record Quote(String symbol) {
    }

    static final class QuoteService {
        final AtomicInteger loads = new AtomicInteger();
        volatile RuntimeException failure;

        Quote load(String symbol) {
            loads.incrementAndGet();
            if (failure != null) {
                throw failure;
            }
            return symbol.equals("NONE") ? null : new Quote(symbol);
        }
    }

    // --- README
    class QuoteJob extends Job<String, Quote> {
        private final QuoteService quotes;
        QuoteJob(Cacheback cacheback, QuoteService quotes) {
            super(cacheback, JobSettings.builder()
                    .lifetime(Duration.ofMinutes(1))
                    .fetchOnStaleThreshold(Duration.ofMinutes(5))   // older than this: refresh while the reader waits
                    .failSafeMaxStaleness(Duration.ofHours(1))      // ...but answer stale data if that fails
                    .softFetchTimeout(Duration.ofMillis(200))       // ...or takes longer than 200 ms
                    .hardFetchTimeout(Duration.ofSeconds(2))        // a miss waits 2 s at most
                    .build());
            this.quotes = quotes;
        }
        @Override protected Quote fetch(String symbol) { return quotes.load(symbol); }
        @Override protected Duration lifetimeFor(String symbol, Quote quote) {
            return quote == null ? Duration.ofSeconds(10) : null; // "no such symbol" is kept 10 s
        }
    }
    // --- end

    @Test
    void theResilienceExampleWorksAsItSays() {
        TestClock clock = new TestClock();
        QuoteService quotes = new QuoteService();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(new ManualRefreshQueue()).build()) {
            QuoteJob job = new QuoteJob(cacheback, quotes);
            assertThat(job.get("ACME")).isEqualTo(new Quote("ACME"));
            assertThat(job.get("NONE")).isNull();
            assertThat(job.rawGet("NONE").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(10));
            clock.advance(Duration.ofMinutes(10));                  // too stale: refreshed while the reader waits
            quotes.failure = new IllegalStateException("quote service down");
            assertThat(job.get("ACME")).isEqualTo(new Quote("ACME")); // ...and that failed: stale-if-error
            assertThat(quotes.loads).hasValue(3);
        }
    }

    // --- README
    class UserJob extends Job<String, User> {
        private final UserService users;
        UserJob(Cacheback cacheback, UserService users) {
            super(cacheback, JobSettings.builder().lifetime(Duration.ofMinutes(10)).build());
            this.users = users;
        }
        @Override protected User fetch(String username) { return users.load(username); } // the slow read
    }
    // --- end

    @Test
    void theFirstExampleWorksAsItSays() {
        UserService users = new UserService();
        // --- README
        Cacheback cacheback = Cacheback.builder().build(); // in-memory cache, in-process refresh queue
        User ada = new UserJob(cacheback, users).get("ada"); // miss: fetched once; then hits; once stale: served at once, refreshed behind
        // --- end
        try (cacheback) {
            assertThat(ada).isEqualTo(new User("ada"));
            assertThat(new UserJob(cacheback, users).get("ada")).isEqualTo(ada);
            assertThat(users.loads).hasValue(1);
        }
    }

    @Test
    void theFirstExampleServesStaleDataAndRefreshesBehind() {
        UserService users = new UserService();
        TestClock clock = new TestClock();
        ManualRefreshQueue queue = new ManualRefreshQueue();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build()) {
            User ada = new UserJob(cacheback, users).get("ada");
            clock.advance(Duration.ofMinutes(11));
            assertThat(new UserJob(cacheback, users).get("ada")).isEqualTo(ada);
            assertThat(users.loads).hasValue(1);
            queue.runPending();
            assertThat(users.loads).hasValue(2);
        }
    }

    @Test
    void theCachedFunctionExampleWorksAsItSays() {
        ProfileService profileService = new ProfileService();
        try (Cacheback cacheback = Cacheback.builder().queue(new ManualRefreshQueue()).build()) {
            // --- README
            CachedFunction<String, Profile> profiles = CachedFunction.builder("profiles", String.class, Profile.class)
                    .settings(JobSettings.builder().lifetime(Duration.ofMinutes(5)).fetchOnMiss(false).build())
                    .build(cacheback, profileService::load);
            Profile p = profiles.apply("ada");         // the function, cached
            profiles.job().invalidate("ada");          // its job: set, invalidate, delete, rawGet
            // --- end
            assertThat(p).as("fetchOnMiss(false): a miss answers empty() and refreshes behind").isNull();
            assertThat(profileService.loads).hasValue(0);
        }
    }

    @Test
    void theTestKitExampleWorksAsItSays() {
        UserService users = new UserService();
        // --- README
        TestClock clock = new TestClock();
        ManualRefreshQueue queue = new ManualRefreshQueue();
        Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build();
        clock.advance(Duration.ofMinutes(11));     // data goes stale
        queue.runPending();                         // run the refreshes that are due (a retry is due after its backoff)
        // --- end
        try (cacheback) {
            assertThat(queue.enqueued()).isEmpty();
            assertThat(new UserJob(cacheback, users).get("ada")).isEqualTo(new User("ada"));
        }
    }

    record Price(String symbol) {
    }

    static final class PriceService {
        final AtomicInteger loads = new AtomicInteger();
        final List<Set<String>> bulkLoads = new ArrayList<>();

        Price load(String symbol) {
            loads.incrementAndGet();
            return new Price(symbol);
        }

        Map<String, Price> loadAll(Set<String> symbols) {
            bulkLoads.add(Set.copyOf(symbols));
            Map<String, Price> found = new HashMap<>();
            symbols.forEach(s -> found.put(s, new Price(s)));
            return found;
        }
    }

    // --- README
    class PriceJob extends Job<String, Price> {
        private final PriceService prices;
        PriceJob(Cacheback cacheback, PriceService prices) {
            super(cacheback, JobSettings.builder().lifetime(Duration.ofMinutes(1)).build());
            this.prices = prices;
        }
        @Override protected Price fetch(String symbol) { return prices.load(symbol); }              // get, workers
        @Override protected Map<String, Price> fetchMany(Set<String> symbols) { return prices.loadAll(symbols); } // one query
    }
    // --- end

    @Test
    void theBulkReadExampleWorksAsItSays() {
        PriceService prices = new PriceService();
        TestClock clock = new TestClock();
        ManualRefreshQueue queue = new ManualRefreshQueue();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build()) {
            // --- README
            Map<String, Price> board = new PriceJob(cacheback, prices).getMany(List.of("ACME", "INIT", "ACME")); // {ACME=…, INIT=…}
            // --- end
            assertThat(board).containsExactly(Map.entry("ACME", new Price("ACME")), Map.entry("INIT", new Price("INIT")));
            assertThat(prices.bulkLoads).containsExactly(Set.of("ACME", "INIT"));
            assertThat(new PriceJob(cacheback, prices).getMany(List.of("INIT", "ACME", "ZED")))
                    .containsExactly(Map.entry("INIT", new Price("INIT")), Map.entry("ACME", new Price("ACME")),
                            Map.entry("ZED", new Price("ZED")));
            assertThat(prices.bulkLoads).containsExactly(Set.of("ACME", "INIT"), Set.of("ZED"));
            clock.advance(Duration.ofMinutes(2));                       // stale: answered, one task per key
            assertThat(new PriceJob(cacheback, prices).getMany(List.of("ACME", "INIT"))).hasSize(2);
            assertThat(queue.enqueuedCount()).isEqualTo(2);
            assertThat(queue.runPending()).isEqualTo(2);                // workers refresh with fetch
            assertThat(prices.loads).hasValue(2);
            assertThat(prices.bulkLoads).hasSize(2);
        }
    }

    @Test
    void theReadmeShowsTheseBlocksWordForWord() throws IOException {
        String readme = normalize(Files.readAllLines(Path.of("..", "README.md")));
        List<String> source = Files.readAllLines(Path.of("src", "test", "java", "dev", "cacheback", "ReadmeExampleTest.java"));
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String line : source) {
            if (line.strip().equals("// --- README")) {
                current = new ArrayList<>();
            } else if (line.strip().equals("// --- end") && current != null) {
                blocks.add(current);
                current = null;
            } else if (current != null) {
                current.add(line);
            }
        }
        assertThat(blocks).hasSize(7);
        for (List<String> block : blocks) {
            assertThat(readme).as("the README shows this block").contains(normalize(block));
        }
    }

    /** Lines without their indentation, joined: README blocks sit at column 0, the test's inside classes. */
    private static String normalize(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line.strip()).append('\n');
        }
        return sb.toString();
    }
}

package dev.cacheback.memcached;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cacheback.CacheEntry;
import dev.cacheback.Cacheback;
import dev.cacheback.CachebackException;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.EntryCodec;
import dev.cacheback.spi.EntryTooLargeException;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import net.rubyeye.xmemcached.exception.MemcachedServerException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * memcached's own rules (expiry over 30 days, key syntax, item size), on a memcached of the test's
 * own so that its statistics show what reached it.
 */
class MemcachedRulesTest {

    private static final long DAY = 86_400;
    private static MemcachedProcess server;
    private static MemcachedText raw;

    private final String prefix = TestServers.uniquePrefix("rules");
    private final List<Cacheback> runtimes = new ArrayList<>();

    /** Bytes an entry of a string adds to the string's length: the entry header and the JSON quotes. */
    private static final int OVERHEAD = dev.cacheback.spi.EntryFormat.HEADER_BYTES + 2;

    /** A job whose value for {@code n} is a string of {@code n} 'x': its entry encodes to n + {@link #OVERHEAD} bytes. */
    static final class BlobJob extends Job<Integer, String> {
        BlobJob(Cacheback cacheback, String name) {
            super(cacheback, JobSettings.builder().name(name).build());
        }

        @Override
        protected String fetch(Integer n) {
            return "x".repeat(n);
        }
    }

    @BeforeAll
    static void startServer() {
        server = MemcachedProcess.start();
        raw = new MemcachedText(server.address());
    }

    @AfterAll
    static void stopServer() {
        if (raw != null) {
            raw.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closeRuntimes() {
        runtimes.forEach(Cacheback::close);
    }

    private Cacheback runtime(MemcachedCacheBackend backend, boolean verifyWrites) {
        Cacheback cacheback = Cacheback.builder().clock(new TestClock(Instant.now())).cache("default", backend)
                .queue(new ManualRefreshQueue()).verifyWrites(verifyWrites).build();
        runtimes.add(cacheback);
        return cacheback;
    }

    private MemcachedCacheBackend openBackend() {
        MemcachedCacheBackend backend = MemcachedCacheBackend.builder(server.address()).build();
        runtime(backend, true);
        return backend;
    }

    private long stat(String name) {
        return Long.parseLong(raw.stats().get(name));
    }

    // ------------------------------------------------------------------ expiry

    @Test
    void theServerReadsARelativeNumberOver30DaysAsA1970TimeAndDropsTheItem() {
        // why the backend must convert: what a naive client would send for 31 days
        raw.set(prefix + ":naive", 0, (int) (31 * DAY), "v".getBytes(StandardCharsets.UTF_8));
        assertThat(raw.get(prefix + ":naive")).isNull();
    }

    @ParameterizedTest(name = "cacheTtl {0} days")
    @ValueSource(ints = {30, 31, 365})
    void longCacheTtlsKeepTheEntryForTheirWholeTime(int days) {
        Cacheback cacheback = runtime(MemcachedCacheBackend.builder(server.address()).build(), true);
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".ttl" + days)
                .cacheTtl(Duration.ofDays(days)).build());

        assertThat(job.get("a")).isEqualTo("a#1");

        Long remaining = raw.remainingTtl(job.key("a"));
        assertThat(remaining).as("seconds memcached keeps the entry").isBetween(days * DAY - 5, days * DAY + 5);
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.fetches()).isEqualTo(1);
    }

    @Test
    void theDefault30DayCacheTtlIsSentAsRelativeSecondsSoARuntimeClockInThePastDoesNotExpireTheEntry() {
        // a runtime whose clock is far behind the server's (a test clock, or skew): with 30 days sent as
        // an absolute time (30 days + the rounding second), the entry was in the past and vanished at once
        Cacheback cacheback = Cacheback.builder().clock(new TestClock(Instant.parse("2020-01-01T00:00:00Z")))
                .cache("default", MemcachedCacheBackend.builder(server.address()).build())
                .queue(new ManualRefreshQueue()).build();
        runtimes.add(cacheback);
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".past-clock").build());
        assertThat(JobSettings.DEFAULT_CACHE_TTL).isEqualTo(Duration.ofDays(30));

        assertThat(job.get("a")).isEqualTo("a#1");

        assertThat(raw.get(job.key("a"))).as("the entry is on the server").isNotNull();
        assertThat(raw.remainingTtl(job.key("a"))).isBetween(30 * DAY - 5, 30 * DAY);
        assertThat(job.get("a")).isEqualTo("a#1");
        assertThat(job.fetches()).isEqualTo(1);
    }

    @Test
    void overThirtyDaysIsAnAbsoluteTimeFromTheRuntimeClockSoItNeedsClocksInStepWithTheServer() {
        // documented: longer times to live are absolute; a runtime clock a year behind makes them expire at once
        Cacheback cacheback = Cacheback.builder().clock(new TestClock(Instant.now().minus(Duration.ofDays(365))))
                .cache("default", MemcachedCacheBackend.builder(server.address()).build())
                .queue(new ManualRefreshQueue()).verifyWrites(false).build();
        runtimes.add(cacheback);
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".past-clock-31")
                .cacheTtl(Duration.ofDays(31)).build());

        assertThat(job.get("a")).isEqualTo("a#1");

        assertThat(raw.get(job.key("a"))).as("expired at once: clocks must agree beyond 30 days").isNull();
    }

    // ------------------------------------------------------------------ keys

    @Test
    void keysBreakingTheKeyRuleNeverReachTheServer() {
        MemcachedCacheBackend backend = openBackend();
        EntryCodec<String> codec = EntryCodec.of(Codec.jackson(), String.class);
        CacheEntry<String> entry = new CacheEntry<>(Instant.now(), "v");
        List<String> invalid = List.of("has space", "tab\tkey", "ctl\u0001key", "newline\nkey", "k".repeat(241), "",
                "caf\u00e9");
        long before = raw.keyCommands();

        for (String key : invalid) {
            assertThatThrownBy(() -> backend.get(key, codec)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Invalid cache key");
            assertThatThrownBy(() -> backend.set(key, entry, Duration.ofMinutes(1), codec))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> backend.getAll(List.of(prefix + ":ok", key), codec))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> backend.delete(key)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> backend.tryLease(key, Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> backend.releaseLease(key, "token")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> backend.extendLease(key, "token", Duration.ofMinutes(1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> backend.setIfVersion(key, CacheEntry.NO_ENTRY, entry, Duration.ofMinutes(1), codec))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(raw.keyCommands()).as("commands the server saw").isEqualTo(before);

        backend.get(prefix + ":valid", codec);
        assertThat(raw.keyCommands()).as("a valid key does reach it").isEqualTo(before + 1);
    }

    // ------------------------------------------------------------------ item size

    @Test
    void anEntryOverTheItemSizeFailsWithTheVerifyWriteErrorNamingTypeSizeAndLimit() {
        MemcachedCacheBackend backend = MemcachedCacheBackend.builder(server.address()).build();
        BlobJob job = new BlobJob(runtime(backend, true), prefix + ".big");
        int n = 1_100_000;
        long setsBefore = stat("cmd_set");

        assertThatThrownBy(() -> job.get(n)).isInstanceOf(CachebackException.class)
                .hasMessageContaining("Unable to save data of type java.lang.String")
                .hasMessageContaining("the entry (" + (n + OVERHEAD) + " bytes)")
                .hasMessageContaining("item size (1048256 bytes)")
                .hasMessageContaining("memcached://" + server.address())
                .hasMessageContaining("the server's -I option and itemSizeLimit")
                .hasCauseInstanceOf(EntryTooLargeException.class);
        assertThat(stat("cmd_set")).as("nothing was sent").isEqualTo(setsBefore);
    }

    @Test
    void withVerifyWritesOffTheFailedStoreIsLoggedAndTheCallerGetsItsData() {
        Logger logger = (Logger) LoggerFactory.getLogger("cacheback");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            BlobJob job = new BlobJob(runtime(MemcachedCacheBackend.builder(server.address()).build(), false), prefix + ".big-off");
            int n = 1_100_000;

            assertThat(job.get(n)).hasSize(n);

            assertThat(appender.list).filteredOn(e -> e.getLevel() == Level.ERROR)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(m -> assertThat(m).contains("Unable to save data of type java.lang.String")
                            .contains("(" + (n + OVERHEAD) + " bytes)").contains("(1048256 bytes)"));
            assertThat(job.rawGet(n)).isEmpty();
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void theLargestEntryAllowedIsStoredEvenUnderTheLongestKeyAndOneByteMoreIsRefused() {
        MemcachedCacheBackend backend = openBackend();
        EntryCodec<String> codec = EntryCodec.of(Codec.jackson(), String.class);
        long max = backend.maxEntryBytes();
        assertThat(max).isEqualTo(1_048_576 - 320);
        String key = (prefix + ":").concat("k".repeat(240 - prefix.length() - 1));
        CacheEntry<String> fits = new CacheEntry<>(Instant.now(), "x".repeat((int) max - OVERHEAD));
        assertThat(codec.encode(fits)).hasSize((int) max);

        backend.set(key, fits, Duration.ofMinutes(1), codec);
        assertThat(raw.get(key)).hasSize((int) max);
        assertThat(backend.get(key, codec)).isEqualTo(fits);

        CacheEntry<String> tooBig = new CacheEntry<>(Instant.now(), "x".repeat((int) max - OVERHEAD + 1));
        assertThatThrownBy(() -> backend.set(key, tooBig, Duration.ofMinutes(1), codec))
                .isInstanceOfSatisfying(EntryTooLargeException.class, e -> {
                    assertThat(e.entryBytes()).isEqualTo(max + 1);
                    assertThat(e.limitBytes()).isEqualTo(max);
                    assertThat(e).hasMessageContaining("(" + max + " bytes)").hasMessageContaining("itemSizeLimit")
                            .hasMessageContaining("-I");
                });
        assertThatThrownBy(() -> backend.setIfVersion(key, CacheEntry.NO_ENTRY, tooBig, Duration.ofMinutes(1), codec))
                .as("the conditional write checks the size too").isInstanceOf(EntryTooLargeException.class);
    }

    @Test
    void aServerRefusingAnEntryAsTooLargeIsReportedAsEntryTooLarge() {
        // configured for 2 MB items, the server is started with -I 1m: the server refuses, the backend says why
        MemcachedCacheBackend backend = MemcachedCacheBackend.builder(server.address()).itemSizeLimit(2 * 1_048_576).build();
        runtime(backend, true);
        EntryCodec<String> codec = EntryCodec.of(Codec.jackson(), String.class);
        CacheEntry<String> entry = new CacheEntry<>(Instant.now(), "x".repeat(1_500_000));

        assertThatThrownBy(() -> backend.set(prefix + ":refused", entry, Duration.ofMinutes(1), codec))
                .isInstanceOfSatisfying(EntryTooLargeException.class, e -> {
                    assertThat(e.entryBytes()).isEqualTo(1_500_000 + OVERHEAD);
                    assertThat(e.limitBytes()).as("the server's real -I is not known here").isEqualTo(-1);
                    assertThat(e).hasCauseInstanceOf(MemcachedServerException.class)
                            .hasMessageContaining("the server's -I option and itemSizeLimit");
                });
        // the connection is still in step with the server
        backend.set(prefix + ":after", new CacheEntry<>(Instant.now(), "small"), Duration.ofMinutes(1), codec);
        assertThat(backend.get(prefix + ":after", codec).data()).isEqualTo("small");
    }
}

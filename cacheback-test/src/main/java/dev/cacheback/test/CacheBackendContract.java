package dev.cacheback.test;

import dev.cacheback.CacheEntry;
import dev.cacheback.CacheStatus;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.CorruptEntryException;
import dev.cacheback.spi.EntryCodec;
import dev.cacheback.spi.Keys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The contract every {@link CacheBackend} passes against its real server: the SPI operations, and
 * the job semantics (DESIGN.md S1–S10, the lease, the stampede) on top of it.
 *
 * <p>Extend it, implement {@link #newBackend()} (a fresh, unopened backend on the real server), and
 * override {@link #writeForeignBytes} where the backend can store raw bytes. Time: entry expiry is
 * an instant on the {@link TestClock}, so tests move the clock; only the server's own time to live
 * ({@link #waitForServerTtl}) needs real time to pass, polled with Awaitility unless
 * {@link #serverTimeFollowsClock()}.
 */
public abstract class CacheBackendContract {

    protected final TestClock clock = new TestClock(Instant.now());
    protected final ManualRefreshQueue queue = new ManualRefreshQueue();
    protected final RecordingListener events = new RecordingListener();
    protected final String prefix = TestServers.uniquePrefix("contract");
    protected CacheBackend backend;
    protected Cacheback cacheback;
    protected EntryCodec<Item> codec;

    /** A value with some shape: nested list, instant, nullable field. */
    public record Item(String name, List<Integer> numbers, Instant at, String note) {
    }

    /** A fresh, unopened backend on the real server. */
    protected abstract CacheBackend newBackend();

    /** Stores {@code bytes} at {@code key} bypassing the codec; abort (skip) if the backend cannot. */
    protected void writeForeignBytes(String key, byte[] bytes) {
        Assumptions.abort(getClass().getSimpleName() + " cannot write raw bytes");
    }

    /** Whether the server's time to live follows the runtime clock (in-memory) rather than real time. */
    protected boolean serverTimeFollowsClock() {
        return false;
    }

    /** Lets {@code ttl} of server time pass: moves the clock, or polls until {@code gone} holds. */
    protected void waitForServerTtl(Duration ttl, java.util.concurrent.Callable<Boolean> gone) {
        if (serverTimeFollowsClock()) {
            clock.advance(ttl.plusMillis(1));
        }
        await().atMost(ttl.plusSeconds(5)).pollInterval(Duration.ofMillis(50)).until(gone);
    }

    /** Lets {@code time} pass for the server: moves the clock, or sleeps where the server keeps its own time. */
    protected void passServerTime(Duration time) {
        clock.advance(time);
        if (!serverTimeFollowsClock()) {
            try {
                Thread.sleep(time.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @BeforeEach
    void openRuntime() {
        backend = newBackend();
        cacheback = Cacheback.builder().clock(clock).cache("default", backend).queue(queue).listener(events).build();
        codec = EntryCodec.of(Codec.jackson(), Item.class);
    }

    @AfterEach
    void closeRuntime() {
        if (cacheback != null) {
            cacheback.close();
        }
    }

    private String key(String name) {
        return prefix + ":" + name;
    }

    private Item item(String name) {
        return new Item(name, List.of(1, 2, 3), Instant.parse("2031-02-03T04:05:06.123456789Z"), null);
    }

    private CountingJob job(String name, JobSettings.Builder settings) {
        return new CountingJob(cacheback, settings.name(prefix + "." + name).build());
    }

    // ------------------------------------------------------------------ SPI

    @Test
    void missingKeyReadsAsNull() {
        assertThat(backend.get(key("missing"), codec)).isNull();
    }

    @Test
    void setThenGetReturnsTheSameExpiryAndData() {
        CacheEntry<Item> entry = new CacheEntry<>(Instant.parse("2030-05-06T07:08:09.987654321Z"), item("a"));
        backend.set(key("a"), entry, Duration.ofMinutes(5), codec);
        assertThat(backend.get(key("a"), codec)).isEqualTo(entry);
    }

    @Test
    void nullDataRoundTrips() {
        CacheEntry<Item> entry = new CacheEntry<>(clock.instant(), null);
        backend.set(key("null"), entry, Duration.ofMinutes(5), codec);
        assertThat(backend.get(key("null"), codec)).isEqualTo(entry);
    }

    @Test
    void setReplacesTheEntry() {
        backend.set(key("r"), new CacheEntry<>(clock.instant(), item("first")), Duration.ofMinutes(5), codec);
        backend.set(key("r"), new CacheEntry<>(clock.instant(), item("second")), Duration.ofMinutes(5), codec);
        assertThat(backend.get(key("r"), codec).data().name()).isEqualTo("second");
    }

    @Test
    void deleteRemovesTheEntryAndToleratesMissingKeys() {
        backend.set(key("d"), new CacheEntry<>(clock.instant(), item("d")), Duration.ofMinutes(5), codec);
        backend.delete(key("d"));
        backend.delete(key("never-there"));
        assertThat(backend.get(key("d"), codec)).isNull();
    }

    @Test
    void getAllReturnsExactlyThePresentKeys() {
        backend.set(key("m1"), new CacheEntry<>(clock.instant(), item("m1")), Duration.ofMinutes(5), codec);
        backend.set(key("m3"), new CacheEntry<>(clock.instant(), item("m3")), Duration.ofMinutes(5), codec);
        Map<String, CacheEntry<Item>> found = backend.getAll(List.of(key("m1"), key("m2"), key("m3")), codec);
        assertThat(found).containsOnlyKeys(key("m1"), key("m3"));
        assertThat(found.get(key("m3")).data().name()).isEqualTo("m3");
    }

    @Test
    void entryDisappearsAfterItsTimeToLive() {
        backend.set(key("ttl"), new CacheEntry<>(clock.instant(), item("ttl")), Duration.ofSeconds(1), codec);
        assertThat(backend.get(key("ttl"), codec)).isNotNull();
        waitForServerTtl(Duration.ofSeconds(1), () -> backend.get(key("ttl"), codec) == null);
    }

    @Test
    void leaseIsExclusiveUntilReleasedByItsToken() {
        String token = backend.tryLease(key("lease"), Duration.ofMinutes(1));
        assertThat(token).isNotNull().matches("[!-~]+");
        assertThat(backend.tryLease(key("lease"), Duration.ofMinutes(1))).isNull();
        assertThat(backend.releaseLease(key("lease"), "not-the-token")).isFalse();
        assertThat(backend.tryLease(key("lease"), Duration.ofMinutes(1))).isNull();
        assertThat(backend.releaseLease(key("lease"), token)).isTrue();
        assertThat(backend.releaseLease(key("lease"), token)).isFalse();
        assertThat(backend.tryLease(key("lease"), Duration.ofMinutes(1))).isNotNull().isNotEqualTo(token);
    }

    @Test
    void aLeaseTakenAfterAnotherExpiredCannotBeReleasedByTheOldToken() {
        String old = backend.tryLease(key("lease-owner"), Duration.ofSeconds(1));
        assertThat(old).isNotNull();
        String[] newer = {null};
        waitForServerTtl(Duration.ofSeconds(1), () -> (newer[0] = backend.tryLease(key("lease-owner"), Duration.ofMinutes(1))) != null);
        assertThat(backend.releaseLease(key("lease-owner"), old)).isFalse();
        assertThat(backend.extendLease(key("lease-owner"), old, Duration.ofMinutes(1))).isFalse();
        assertThat(backend.tryLease(key("lease-owner"), Duration.ofMinutes(1))).isNull();
        assertThat(backend.releaseLease(key("lease-owner"), newer[0])).isTrue();
    }

    @Test
    void extendingALeaseKeepsItPastItsFirstTimeToLive() {
        String token = backend.tryLease(key("lease-extend"), Duration.ofSeconds(2));
        assertThat(backend.extendLease(key("lease-extend"), token, Duration.ofMinutes(5))).isTrue();
        passServerTime(Duration.ofMillis(2_100));
        assertThat(backend.tryLease(key("lease-extend"), Duration.ofMinutes(1))).isNull();
        assertThat(backend.releaseLease(key("lease-extend"), token)).isTrue();
    }

    @Test
    void leaseDoesNotTouchTheEntry() {
        backend.set(key("le"), new CacheEntry<>(clock.instant(), item("le")), Duration.ofMinutes(5), codec);
        String token = backend.tryLease(key("le"), Duration.ofMinutes(1));
        assertThat(token).isNotNull();
        backend.releaseLease(key("le"), token);
        assertThat(backend.get(key("le"), codec).data().name()).isEqualTo("le");
    }

    @Test
    void leaseExpiresAfterItsTimeToLive() {
        assertThat(backend.tryLease(key("lease-ttl"), Duration.ofSeconds(1))).isNotNull();
        waitForServerTtl(Duration.ofSeconds(1), () -> backend.tryLease(key("lease-ttl"), Duration.ofMinutes(1)) != null);
    }

    @Test
    void exactlyOneOf32ConcurrentCallersTakesTheLease() {
        List<String> taken = Stampede.run(32, () -> backend.tryLease(key("contended"), Duration.ofMinutes(1)));
        assertThat(taken.stream().filter(java.util.Objects::nonNull)).hasSize(1);
    }

    @Test
    void aConditionalWriteStoresOnlyOverTheVersionItExpects() {
        CacheEntry<Item> first = new CacheEntry<>(clock.instant(), item("v1"), CacheEntry.newVersion());
        assertThat(backend.setIfVersion(key("cas"), CacheEntry.NO_ENTRY, first, Duration.ofMinutes(5), codec)).isTrue();
        assertThat(backend.get(key("cas"), codec).version()).isEqualTo(first.version());
        CacheEntry<Item> second = new CacheEntry<>(clock.instant(), item("v2"), CacheEntry.newVersion());
        assertThat(backend.setIfVersion(key("cas"), CacheEntry.NO_ENTRY, second, Duration.ofMinutes(5), codec)).isFalse();
        assertThat(backend.setIfVersion(key("cas"), first.version() + 1, second, Duration.ofMinutes(5), codec)).isFalse();
        assertThat(backend.get(key("cas"), codec).data().name()).isEqualTo("v1");
        assertThat(backend.setIfVersion(key("cas"), first.version(), second, Duration.ofMinutes(5), codec)).isTrue();
        assertThat(backend.get(key("cas"), codec)).isEqualTo(second);
        backend.delete(key("cas"));
        assertThat(backend.setIfVersion(key("cas"), second.version(), first, Duration.ofMinutes(5), codec)).isFalse();
        assertThat(backend.get(key("cas"), codec)).isNull();
    }

    @Test
    void theLeaseAndTheConditionalWriteTogetherTakeBothOrNeither() {
        CacheEntry<Item> base = new CacheEntry<>(clock.instant(), item("base"), CacheEntry.newVersion());
        backend.set(key("mark"), base, Duration.ofMinutes(5), codec);
        CacheEntry<Item> marked = new CacheEntry<>(clock.instant(), item("marked"), CacheEntry.newVersion());
        String token = backend.tryLeaseAndSetIfVersion(key("mark"), Duration.ofMinutes(1), base.version(), marked,
                Duration.ofMinutes(5), codec);
        assertThat(token).isNotNull();
        assertThat(backend.get(key("mark"), codec)).isEqualTo(marked);
        CacheEntry<Item> again = new CacheEntry<>(clock.instant(), item("again"), CacheEntry.newVersion());
        assertThat(backend.tryLeaseAndSetIfVersion(key("mark"), Duration.ofMinutes(1), marked.version(), again,
                Duration.ofMinutes(5), codec)).as("the lease is held").isNull();
        assertThat(backend.get(key("mark"), codec)).isEqualTo(marked);
        assertThat(backend.releaseLease(key("mark"), token)).isTrue();
        assertThat(backend.tryLeaseAndSetIfVersion(key("mark"), Duration.ofMinutes(1), base.version(), again,
                Duration.ofMinutes(5), codec)).as("the version moved on").isNull();
        assertThat(backend.get(key("mark"), codec)).isEqualTo(marked);
        String free = backend.tryLease(key("mark"), Duration.ofMinutes(1));
        assertThat(free).as("a refused mark leaves the lease free").isNotNull();
        backend.releaseLease(key("mark"), free);
        assertThat(backend.tryLeaseAndSetIfVersion(key("mark-new"), Duration.ofMinutes(1), CacheEntry.NO_ENTRY, again,
                Duration.ofMinutes(5), codec)).as("no entry expected, none there").isNotNull();
        assertThat(backend.get(key("mark-new"), codec)).isEqualTo(again);
    }

    @Test
    void exactlyOneOf32ConcurrentConditionalWritesOnOneVersionStores() {
        CacheEntry<Item> base = new CacheEntry<>(clock.instant(), item("base"), CacheEntry.newVersion());
        backend.set(key("cas-race"), base, Duration.ofMinutes(5), codec);
        List<Boolean> stored = Stampede.run(32, () -> backend.setIfVersion(key("cas-race"), base.version(),
                new CacheEntry<>(clock.instant(), item("w"), CacheEntry.newVersion()), Duration.ofMinutes(5), codec));
        assertThat(stored).containsOnlyOnce(true);
    }

    @Test
    void aConditionalWriteExpectingNoEntryOverwritesUnreadableBytes() {
        writeForeignBytes(key("cas-foreign"), "not an entry".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        CacheEntry<Item> entry = new CacheEntry<>(clock.instant(), item("mine"), CacheEntry.newVersion());
        assertThat(backend.setIfVersion(key("cas-foreign"), CacheEntry.NO_ENTRY, entry, Duration.ofMinutes(5), codec)).isTrue();
        assertThat(backend.get(key("cas-foreign"), codec)).isEqualTo(entry);
    }

    @Test
    void longestValidKeyWorksForEntriesAndLeases() {
        String longKey = (prefix + ":").concat("k".repeat(Keys.MAX_KEY_BYTES - prefix.length() - 1));
        assertThat(longKey).hasSize(Keys.MAX_KEY_BYTES);
        backend.set(longKey, new CacheEntry<>(clock.instant(), item("long")), Duration.ofMinutes(5), codec);
        assertThat(backend.get(longKey, codec).data().name()).isEqualTo("long");
        String token = backend.tryLease(longKey, Duration.ofMinutes(1));
        assertThat(token).isNotNull();
        assertThat(backend.extendLease(longKey, token, Duration.ofMinutes(1))).isTrue();
        assertThat(backend.releaseLease(longKey, token)).isTrue();
        CacheEntry<Item> entry = new CacheEntry<>(clock.instant(), item("long2"), CacheEntry.newVersion());
        assertThat(backend.setIfVersion(longKey, backend.get(longKey, codec).version(), entry, Duration.ofMinutes(5), codec)).isTrue();
    }

    @Test
    void largeValueRoundTrips() {
        List<Integer> many = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            many.add(i);
        }
        CacheEntry<Item> entry = new CacheEntry<>(clock.instant(), new Item("big", many, clock.instant(), "x".repeat(50_000)));
        backend.set(key("big"), entry, Duration.ofMinutes(5), codec);
        assertThat(backend.get(key("big"), codec)).isEqualTo(entry);
    }

    @Test
    void foreignBytesAreReportedAsCorruptAndLeftOutOfGetAll() {
        writeForeignBytes(key("foreign"), "not an entry".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> backend.get(key("foreign"), codec)).isInstanceOf(CorruptEntryException.class)
                .hasMessageContaining(key("foreign"));
        assertThat(backend.getAll(List.of(key("foreign")), codec)).isEmpty();
    }

    // ------------------------------------------------------------------ job semantics on this backend

    @Test
    void missFetchesAndStoresThenHits() {
        CountingJob job = job("s1", JobSettings.builder());
        assertThat(job.get("x")).isEqualTo("x#1");
        assertThat(job.get("x")).isEqualTo("x#1");
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(job.rawGet("x")).get().extracting(CacheEntry::expiry)
                .isEqualTo(clock.instant().plus(JobSettings.DEFAULT_LIFETIME));
        assertThat(queue.enqueuedCount()).isZero();
    }

    @Test
    void staleEntryIsServedWhileOneRefreshRuns() {
        CountingJob job = job("s4", JobSettings.builder().lifetime(Duration.ofSeconds(10)));
        job.get("x");
        clock.advance(Duration.ofSeconds(11));
        assertThat(job.get("x")).isEqualTo("x#1");
        assertThat(job.get("x")).isEqualTo("x#1");
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(job.rawGet("x").orElseThrow().expiry()).isEqualTo(clock.instant().plus(JobSettings.DEFAULT_REFRESH_TIMEOUT));
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(job.get("x")).isEqualTo("x#2");
    }

    @Test
    void sixtyFourReadersOfAStaleKeyMakeOneTaskAndOneFetch() {
        CountingJob job = job("stampede", JobSettings.builder().lifetime(Duration.ofSeconds(10)));
        job.get("hot");
        clock.advance(Duration.ofSeconds(11));
        List<String> seen = Stampede.run(64, () -> job.get("hot"));
        assertThat(seen).containsOnly("hot#1");
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        queue.runPending();
        assertThat(job.fetches()).isEqualTo(2);
        assertThat(job.get("hot")).isEqualTo("hot#2");
    }

    @Test
    void sixtyFourReadersOfAMissingKeyWithoutFetchOnMissMakeOneTask() {
        CountingJob job = job("async-miss", JobSettings.builder().fetchOnMiss(false));
        List<String> seen = Stampede.run(64, () -> job.get("cold"));
        assertThat(seen).containsOnlyNulls();
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(job.fetches()).isZero();
        queue.runPending();
        assertThat(job.get("cold")).isEqualTo("cold#1");
    }

    @Test
    void invalidateDeleteSetAndRawGetFollowTheSeed() {
        CountingJob job = job("ops", JobSettings.builder());
        job.invalidate("none");
        assertThat(queue.enqueuedCount()).isZero();
        job.set("k", "given");
        assertThat(job.get("k")).isEqualTo("given");
        job.invalidate("k");
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(job.rawGet("k").orElseThrow().expiry()).isEqualTo(clock.instant().plus(JobSettings.DEFAULT_REFRESH_TIMEOUT));
        queue.runPending();
        assertThat(job.get("k")).isEqualTo("k#1");
        job.delete("k");
        assertThat(job.rawGet("k")).isEmpty();
    }

    @Test
    void corruptBytesAtAJobKeyReadAsAMissAndAreOverwritten() {
        CountingJob job = job("corrupt", JobSettings.builder());
        writeForeignBytes(job.key("c"), new byte[]{1, 2, 3, 4});
        assertThat(job.get("c")).isEqualTo("c#1");
        assertThat(events.count("corrupt")).isEqualTo(1);
        assertThat(job.rawGet("c").orElseThrow().data()).isEqualTo("c#1");
    }

    @Test
    void processResultSeesTheStatusOfEachPath() {
        AtomicReference<CacheStatus> last = new AtomicReference<>();
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".status")
                .lifetime(Duration.ofSeconds(10)).build()) {
            @Override
            protected String processResult(String result, String args, CacheStatus status, Boolean syncFetch) {
                last.set(status);
                return result;
            }
        };
        job.get("p");
        assertThat(last.get()).isEqualTo(CacheStatus.MISS);
        job.get("p");
        assertThat(last.get()).isEqualTo(CacheStatus.HIT);
        clock.advance(Duration.ofSeconds(11));
        job.get("p");
        assertThat(last.get()).isEqualTo(CacheStatus.STALE);
        assertThat(List.of(events.count("miss.sync"), events.count("hit"), events.count("stale.async"))).containsOnly(1L);
    }

    @Test
    void aSetMadeWhileAWorkerRefreshIsFetchingWins() throws Exception {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".fence-set")
                .lifetime(Duration.ofMinutes(1)).build());
        job.get("a");
        clock.advance(Duration.ofMinutes(2));
        assertThat(job.get("a")).isEqualTo("a#1");
        job.closeGate();
        Thread worker = new Thread(queue::runPending);
        worker.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> job.fetchesInFlight() == 1);
        job.set("a", "from set");
        job.openGate();
        worker.join(10_000);
        assertThat(job.fetches()).isEqualTo(2);
        assertThat(job.rawGet("a").orElseThrow().data()).isEqualTo("from set");
        assertThat(events.count("superseded")).isEqualTo(1);
        assertThat(backend.tryLease(job.key("a"), Duration.ofMinutes(1))).as("the lease was given back").isNotNull();
    }

    @Test
    void aDeleteMadeWhileAWorkerRefreshIsFetchingWins() throws Exception {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".fence-del")
                .lifetime(Duration.ofMinutes(1)).build());
        job.get("d");
        clock.advance(Duration.ofMinutes(2));
        job.get("d");
        job.closeGate();
        Thread worker = new Thread(queue::runPending);
        worker.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> job.fetchesInFlight() == 1);
        job.delete("d");
        job.openGate();
        worker.join(10_000);
        assertThat(job.fetches()).isEqualTo(2);
        assertThat(job.rawGet("d")).isEmpty();
    }
    // ------------------------------------------------------------------ resilience (issue 13)

    @Test
    void staleIfErrorAnswersStaleDataWhenTheSynchronousRefreshFails() {
        CountingJob job = job("failsafe", JobSettings.builder().lifetime(Duration.ofSeconds(10))
                .fetchOnStaleThreshold(Duration.ofSeconds(20)).failSafeMaxStaleness(Duration.ofSeconds(60)));
        job.get("f");
        clock.advance(Duration.ofSeconds(30));                       // stale by 20 s: refreshed synchronously
        job.failWith(new IllegalStateException("source down"));
        assertThat(job.get("f")).isEqualTo("f#1");
        assertThat(events.count("failsafe")).isEqualTo(1);
        CacheEntry<String> marked = job.rawGet("f").orElseThrow();
        assertThat(marked.data()).as("the data is kept").isEqualTo("f#1");
        assertThat(marked.expiry()).as("re-armed as a failed background refresh leaves it")
                .isEqualTo(clock.instant().plus(JobSettings.DEFAULT_REFRESH_TIMEOUT));
        assertThat(job.get("f")).isEqualTo("f#1");
        assertThat(job.fetches()).as("the next read does not call the failing source").isEqualTo(2);
        job.failWith(null);
        clock.advance(JobSettings.DEFAULT_REFRESH_TIMEOUT.plusMillis(1));
        assertThat(job.get("f")).isEqualTo("f#1");
        assertThat(queue.enqueuedCount()).as("stale again: one background refresh").isEqualTo(1);
        queue.runPending();
        assertThat(job.get("f")).isEqualTo("f#3");
        job.delete("f");
        job.get("f");
        job.failWith(new IllegalStateException("source down"));
        clock.advance(Duration.ofSeconds(71));                       // stale by 61 s: past failSafeMaxStaleness
        assertThatThrownBy(() -> job.get("f")).hasMessage("source down");
    }

    @Test
    void lifetimeForGivesEachResultItsOwnLifetime() {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".lifetime-for").build()) {
            @Override
            protected Duration lifetimeFor(String args, String data) {
                return args.startsWith("short") ? Duration.ofSeconds(5) : null;
            }
        };
        job.get("short");
        job.get("long");
        job.set("short-set", "given");
        assertThat(job.rawGet("short").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(5));
        assertThat(job.rawGet("short-set").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(5));
        assertThat(job.rawGet("long").orElseThrow().expiry()).isEqualTo(clock.instant().plus(JobSettings.DEFAULT_LIFETIME));
        clock.advance(Duration.ofSeconds(6));
        assertThat(job.get("short")).isEqualTo("short#1");            // stale: served, one refresh enqueued
        assertThat(job.get("long")).isEqualTo("long#2");             // fresh for 10 min
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(job.get("short")).isEqualTo("short#3");
        assertThat(job.rawGet("short").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(5));
    }

    @Test
    void aReadPastItsSoftFetchTimeoutAnswersStaleAndTheFetchStoresFenced() {
        CountingJob job = job("soft-timeout", JobSettings.builder().lifetime(Duration.ofSeconds(10))
                .fetchOnStaleThreshold(Duration.ofSeconds(20)).softFetchTimeout(Duration.ofMillis(50)));
        job.get("s");
        job.get("t");
        clock.advance(Duration.ofSeconds(25));
        job.closeGate();
        assertThat(job.get("s")).isEqualTo("s#1");
        assertThat(job.get("t")).isEqualTo("t#2");
        job.set("t", "from set");                                   // made while t's fetch runs: it wins (F2)
        job.openGate();
        await().atMost(Duration.ofSeconds(10)).until(() -> !"s#1".equals(job.rawGet("s").orElseThrow().data())
                && events.count("superseded") == 1);
        assertThat(job.rawGet("s").orElseThrow().data()).isIn("s#3", "s#4");
        assertThat(job.rawGet("t").orElseThrow().data()).isEqualTo("from set");
        assertThat(events.count("timeout.soft")).isEqualTo(2);
    }

    @Test
    void theFailureCountAndFetchTimeRoundTripInTheEntry() {
        CacheEntry<Item> entry = new CacheEntry<>(Instant.parse("2030-05-06T07:08:09.987654321Z"), item("f"), 77L, 3, 250);
        backend.set(key("failures"), entry, Duration.ofMinutes(5), codec);
        assertThat(backend.get(key("failures"), codec)).isEqualTo(entry);
        CacheEntry<Item> next = new CacheEntry<>(entry.expiry(), null, 78L, 4, 0);
        assertThat(backend.setIfVersion(key("failures"), 77L, next, Duration.ofMinutes(5), codec)).isTrue();
        assertThat(backend.get(key("failures"), codec)).isEqualTo(next);
    }

    @Test
    void aFailedRefreshBacksTheKeyOffInTheEntryAndASuccessResetsIt() {
        CountingJob job = job("backoff", JobSettings.builder().lifetime(Duration.ofSeconds(10))
                .refreshBackoff(Duration.ofSeconds(10), Duration.ofSeconds(100)));
        job.get("k");
        clock.advance(Duration.ofSeconds(11));
        assertThat(job.get("k")).isEqualTo("k#1");                  // stale: marked, one task
        job.failNext(1);
        assertThat(queue.runPending()).isEqualTo(1);
        CacheEntry<String> first = job.rawGet("k").orElseThrow();
        assertThat(first.failures()).isEqualTo(1);
        assertThat(first.data()).isEqualTo("k#1");
        assertThat(first.expiry()).isBetween(clock.instant().plusSeconds(8), clock.instant().plusSeconds(12));
        assertThat(queue.results()).last().extracting(dev.cacheback.spi.TaskResult::outcome)
                .isEqualTo(dev.cacheback.spi.TaskResult.Outcome.SKIPPED);
        assertThat(job.get("k")).as("within the backoff: fresh for every reader").isEqualTo("k#1");
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(13));
        assertThat(job.get("k")).isEqualTo("k#1");
        job.failNext(1);
        assertThat(queue.runPending()).isEqualTo(1);
        CacheEntry<String> second = job.rawGet("k").orElseThrow();
        assertThat(second.failures()).isEqualTo(2);
        assertThat(second.expiry()).isBetween(clock.instant().plusSeconds(16), clock.instant().plusSeconds(24));
        clock.advance(Duration.ofSeconds(25));
        job.get("k");
        assertThat(queue.runPending()).isEqualTo(1);
        CacheEntry<String> fresh = job.rawGet("k").orElseThrow();
        assertThat(fresh.data()).isEqualTo("k#4");
        assertThat(fresh.failures()).isZero();
        assertThat(fresh.expiry()).isEqualTo(clock.instant().plusSeconds(10));
    }

    @Test
    void anEarlyRefreshOfAFreshEntryMakesOneTaskAndLeavesItsExpiry() {
        CountingJob job = job("ahead", JobSettings.builder().lifetime(Duration.ofSeconds(100)).refreshAhead(0.1));
        job.get("e");
        Instant expiry = job.rawGet("e").orElseThrow().expiry();
        clock.advance(Duration.ofSeconds(95));
        List<String> seen = Stampede.run(16, () -> job.get("e"));
        assertThat(seen).containsOnly("e#1");
        assertThat(queue.enqueuedCount()).isEqualTo(1);
        assertThat(job.rawGet("e").orElseThrow().expiry()).isEqualTo(expiry);
        assertThat(queue.runPending()).isEqualTo(1);
        assertThat(job.get("e")).isEqualTo("e#2");
    }
    // ------------------------------------------------------------------ bulk reads (getMany)

    @Test
    void getAllOfManyKeysFindsEveryPresentOneAcrossServers() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            keys.add(key("bulk-" + i));
            if (i % 6 != 5) {
                backend.set(keys.get(i), new CacheEntry<>(clock.instant(), item("b" + i)), Duration.ofMinutes(5), codec);
            }
        }
        Map<String, CacheEntry<Item>> found = backend.getAll(keys, codec);
        assertThat(found).hasSize(100);
        for (int i = 0; i < keys.size(); i++) {
            if (i % 6 != 5) {
                assertThat(found.get(keys.get(i)).data().name()).isEqualTo("b" + i);
            } else {
                assertThat(found).doesNotContainKey(keys.get(i));
            }
        }
        assertThat(backend.getAll(List.of(), codec)).isEmpty();
    }

    @Test
    void getManyAnswersHitsStaleAndMissingKeysFromOneLookup() {
        Map<String, java.util.concurrent.atomic.AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();
        CacheBackend counting = new ForwardingCacheBackend(newBackend()) {
            @Override
            protected void before(String operation) {
                calls.computeIfAbsent(operation, o -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }
        };
        ManualRefreshQueue tasks = new ManualRefreshQueue();
        try (Cacheback runtime = Cacheback.builder().clock(clock).cache("default", counting).queue(tasks).build()) {
            CountingJob job = new CountingJob(runtime, JobSettings.builder().name(prefix + ".many")
                    .lifetime(Duration.ofSeconds(10)).build());
            job.set("s1", "old1");
            job.set("s2", "old2");
            clock.advance(Duration.ofSeconds(11));
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                job.set("h" + i, "hit" + i);
                keys.add("h" + i);
            }
            keys.addAll(List.of("s1", "s2", "m0", "m1", "m2", "m3", "m4", "h0", "m0"));
            calls.clear();

            Map<String, String> got = job.getMany(keys);

            assertThat(got).hasSize(17).containsEntry("h3", "hit3").containsEntry("s2", "old2");
            assertThat(new ArrayList<>(got.keySet()).subList(10, 17)).containsExactly("s1", "s2", "m0", "m1", "m2", "m3", "m4");
            for (int i = 0; i < 5; i++) {
                assertThat(got.get("m" + i)).startsWith("m" + i + "#");
            }
            assertThat(job.fetches()).isEqualTo(5);
            assertThat(calls.get("getAll")).as("the lookup, and the second read of the missing keys").hasValue(2);
            assertThat(calls.get("get")).as("verify-writes reads each stored key back").hasValue(5);
            assertThat(tasks.enqueuedCount()).isEqualTo(2);

            assertThat(tasks.runPending()).isEqualTo(2);
            calls.clear();
            Map<String, String> again = job.getMany(keys);
            assertThat(again.get("s1")).startsWith("s1#");
            assertThat(again.get("m4")).isEqualTo(got.get("m4"));
            assertThat(calls.get("getAll")).hasValue(1);
            assertThat(calls).doesNotContainKey("get");
            assertThat(job.fetches()).isEqualTo(7);
        }
    }

    @Test
    void sixteenThreadsGettingOverlappingKeySetsFetchEachKeyOnce() {
        CountingJob job = job("many-stampede", JobSettings.builder().lifetime(Duration.ofMinutes(10)));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            keys.add("k" + i);
        }
        java.util.concurrent.atomic.AtomicInteger thread = new java.util.concurrent.atomic.AtomicInteger();
        List<Map<String, String>> seen = Stampede.run(16, () -> {
            int t = thread.getAndIncrement();
            return job.getMany(keys.subList(t % 8, t % 8 + 16));
        });
        assertThat(job.fetches()).isEqualTo(23);
        Map<String, String> agreed = new java.util.HashMap<>();
        seen.forEach(answer -> answer.forEach((k, v) -> assertThat(agreed.merge(k, v, (a, b) -> a)).isEqualTo(v)));
        assertThat(agreed).hasSize(23);
        assertThat(events.count("backend.error")).isZero();
    }
}

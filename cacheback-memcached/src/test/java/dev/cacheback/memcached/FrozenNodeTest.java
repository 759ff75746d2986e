package dev.cacheback.memcached;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * DESIGN.md F5 on memcached: one of two servers of the test's own is frozen (SIGSTOP: connections
 * open, nothing answered) while 8 threads call {@code job.get} over many keys for 5 seconds. The
 * frozen node's breaker costs a caller at most one operation timeout, then its keys fail fast (and are
 * fetched in the caller's thread) until a probe is answered; the other node's keys keep hitting; the
 * error log stays quiet; after SIGCONT the node serves again.
 */
class FrozenNodeTest {

    private static final Duration OPERATION_TIMEOUT = Duration.ofMillis(300);
    private static final Duration RUN = Duration.ofSeconds(5);
    private static final int THREADS = 8;
    private static final int KEYS = 200;

    private final String prefix = TestServers.uniquePrefix("frozen");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private MemcachedProcess a;
    private MemcachedProcess b;
    private MemcachedText rawA;
    private MemcachedText rawB;
    private Cacheback cacheback;

    @BeforeEach
    void start() {
        a = MemcachedProcess.start();
        b = MemcachedProcess.start();
        rawA = new MemcachedText(a.address());
        rawB = new MemcachedText(b.address());
        appender.start();
        root.addAppender(appender);
    }

    @AfterEach
    void stop() {
        root.detachAppender(appender);
        if (cacheback != null) {
            cacheback.close();
        }
        for (AutoCloseable c : new AutoCloseable[]{rawA, rawB, a, b}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void aFrozenNodeCostsACallerAtMostOneTimeoutThenFailsFastWhileTheOtherNodeServesAndItServesAgainAfterSigcont()
            throws Exception {
        MemcachedCacheBackend backend = MemcachedCacheBackend.builder(a.address() + " " + b.address())
                .operationTimeout(OPERATION_TIMEOUT).reconnectInterval(Duration.ofMillis(200)).build();
        cacheback = Cacheback.builder().cache("default", backend).queue(new ManualRefreshQueue()).build();
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".job")
                .lifetime(Duration.ofMinutes(10)).build());
        List<String> args = new ArrayList<>();
        Map<String, String> onA = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            String arg = "k" + i;
            args.add(arg);
            String value = job.get(arg);
            if (rawA.get(job.key(arg)) != null) {
                onA.put(arg, value);
            }
        }
        assertThat(onA.size()).as("keys on node A").isBetween(KEYS / 5, KEYS * 4 / 5);

        b.pause();
        AtomicLong calls = new AtomicLong();
        AtomicLong callsOnA = new AtomicLong();
        AtomicLong hitsOnA = new AtomicLong();
        AtomicLong exceptions = new AtomicLong();
        LongAccumulator longestNanos = new LongAccumulator(Math::max, 0);
        List<Throwable> firstExceptions = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        appender.list.clear();
        for (int t = 0; t < THREADS; t++) {
            int offset = t * (KEYS / THREADS);
            Thread thread = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long deadline = System.nanoTime() + RUN.toNanos();
                for (int i = offset; System.nanoTime() < deadline; i++) {
                    String arg = args.get(i % KEYS);
                    long started = System.nanoTime();
                    try {
                        String value = job.get(arg);
                        String before = onA.get(arg);
                        if (before != null) {
                            callsOnA.incrementAndGet();
                            if (before.equals(value)) {
                                hitsOnA.incrementAndGet();
                            }
                        }
                    } catch (RuntimeException e) {
                        exceptions.incrementAndGet();
                        if (firstExceptions.size() < 3) {
                            firstExceptions.add(e);
                        }
                    } finally {
                        longestNanos.accumulate(System.nanoTime() - started);
                        calls.incrementAndGet();
                    }
                }
            }, "frozen-node-caller-" + t);
            thread.start();
            threads.add(thread);
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join(RUN.plusSeconds(30).toMillis());
        }
        List<ILoggingEvent> logged = List.copyOf(appender.list);
        long errorLines = logged.stream().filter(e -> e.getLevel() == Level.ERROR).count();
        long longestMillis = longestNanos.get() / 1_000_000;
        System.out.printf("FROZEN NODE (5 s, %d threads, %d keys on 2 nodes, operation timeout %d ms): calls=%d "
                        + "(on the live node %d, hits there %d), caller exceptions=%d, longest call=%d ms, ERROR lines=%d, "
                        + "WARN lines=%d%n", THREADS, KEYS, OPERATION_TIMEOUT.toMillis(), calls.get(), callsOnA.get(),
                hitsOnA.get(), exceptions.get(), longestMillis, errorLines,
                logged.stream().filter(e -> e.getLevel() == Level.WARN).count());
        logged.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .forEach(e -> System.out.println("  " + e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()));

        assertThat(firstExceptions).as("caller exceptions").isEmpty();
        assertThat(exceptions.get()).isZero();
        assertThat(longestMillis).as("the longest single call (ms)").isLessThan(OPERATION_TIMEOUT.toMillis() * 3);
        assertThat(errorLines).as("ERROR lines in 5 s").isLessThanOrEqualTo(3);
        assertThat(calls.get()).as("calls in 5 s: the frozen node's keys fail fast").isGreaterThan(1_000);
        assertThat(hitsOnA.get()).as("the live node's keys keep hitting").isEqualTo(callsOnA.get()).isPositive();

        b.resume();
        String onB = args.stream().filter(arg -> !onA.containsKey(arg)).findFirst().orElseThrow();
        long thawed = System.nanoTime();
        // serving again: the entry is stored on node B and read back from it (a hit, no new fetch)
        await("the thawed node serves again").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    String value = job.get(onB);
                    int fetches = job.fetches();
                    return rawB.get(job.key(onB)) != null && job.get(onB).equals(value) && job.fetches() == fetches;
                });
        System.out.printf("FROZEN NODE: node B served again %d ms after SIGCONT%n", (System.nanoTime() - thawed) / 1_000_000);
    }
}

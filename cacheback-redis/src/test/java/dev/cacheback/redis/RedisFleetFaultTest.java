package dev.cacheback.redis;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestServers;
import io.lettuce.core.Range;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fleet guarantees under faults of a private redis-server (DESIGN.md F3, F5, F6): frozen under
 * load, killed and restarted, killed under a backlog; and a refresh longer than the claim idle time
 * with two workers on one stream. Figures are printed as {@code FIGURES …} lines.
 */
class RedisFleetFaultTest {

    private static final String RUN = TestServers.uniquePrefix("cbtest");
    private static RedisTestSupport shared;

    private final RecordingListener events = new RecordingListener();
    private final ListAppender<ILoggingEvent> logLines = new ListAppender<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void connect() {
        shared = RedisTestSupport.shared();
    }

    @AfterAll
    static void cleanUp() {
        if (shared != null) {
            shared.deleteKeys(RUN);
            shared.close();
        }
    }

    @BeforeEach
    void captureLogs() {
        logLines.start();
        ((Logger) LoggerFactory.getLogger("cacheback")).addAppender(logLines);
    }

    @AfterEach
    void closeAll() throws Exception {
        ((Logger) LoggerFactory.getLogger("cacheback")).detachAppender(logLines);
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private long lines(String containing) {
        return logLines.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(containing)).count();
    }

    @Test
    void aFrozenRedisCostsACallerAtMostOneCommandTimeoutThenFailsFastUntilItAnswers() throws Exception {
        RedisServerProcess server = closeLater(RedisServerProcess.start());
        Duration commandTimeout = Duration.ofMillis(300);
        Cacheback cacheback = closeLater(Cacheback.builder().listener(events).queue(new ManualRefreshQueue())
                .cache("default", RedisCacheBackend.builder(server.uri()).keyPrefix(RUN + ":")
                        .commandTimeout(commandTimeout).build())
                .build());
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("fleet.frozen").build());
        for (int i = 0; i < 50; i++) {
            job.get("e" + i);
        }
        int fetchesBefore = job.fetches();

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong calls = new AtomicLong();
        AtomicLong exceptions = new AtomicLong();
        AtomicLong longestNanos = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    String key = random.nextBoolean() ? "e" + random.nextInt(50) : "m" + random.nextInt(1_000_000);
                    long start = System.nanoTime();
                    try {
                        job.get(key);
                    } catch (RuntimeException e) {
                        exceptions.incrementAndGet();
                    }
                    longestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    calls.incrementAndGet();
                }
            }, "caller-" + t);
            thread.start();
            threads.add(thread);
        }
        Thread.sleep(300); // callers read from a healthy Redis
        long callsBeforeFreeze = calls.get();
        longestNanos.set(0);
        server.suspend();
        Thread.sleep(5_000);
        running.set(false);
        for (Thread thread : threads) {
            thread.join(10_000);
        }
        long frozenCalls = calls.get() - callsBeforeFreeze;
        Duration longest = Duration.ofNanos(longestNanos.get());
        System.out.println("FIGURES frozen Redis (SIGSTOP 5 s, 8 threads, commandTimeout 300 ms): calls " + frozenCalls
                + ", caller exceptions " + exceptions.get() + ", longest call " + longest.toMillis() + " ms, fetches "
                + (job.fetches() - fetchesBefore));
        assertThat(exceptions.get()).as("callers never see the cache's failure").isZero();
        assertThat(longest).as("one timeout at most, not one per command").isLessThan(commandTimeout.multipliedBy(3));
        assertThat(frozenCalls).as("calls fail fast after the first timeout").isGreaterThan(1_000);
        assertThat(logLines.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("Redis cache") && m.contains("did not answer")).toList())
                .as("the breaker opened, logged once").hasSize(1);

        server.resume();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            long hits = events.count("hit");
            job.get("e1");
            return events.count("hit") > hits;
        });
        int fetches = job.fetches();
        job.get("e2");
        assertThat(job.fetches()).as("served from Redis again").isEqualTo(fetches);
        assertThat(logLines.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("Redis cache") && m.contains("answers again")).toList()).hasSize(1);
    }

    @Test
    void afterARestartTheBackendAndTheWorkerAnswerAgainWithinSeconds() throws Exception {
        RedisServerProcess server = closeLater(RedisServerProcess.start());
        RedisCacheBackend backend = RedisCacheBackend.builder(server.uri()).keyPrefix(RUN + ":").build();
        RedisRefreshQueue queue = RedisRefreshQueue.builder(server.uri()).streamPrefix(RUN + ":queue:")
                .worker().blockTime(Duration.ofMillis(500)).build();
        Cacheback cacheback = closeLater(Cacheback.builder().listener(events).cache("default", backend).queue(queue).build());
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("fleet.restart").build());
        job.asyncRefresh("before");
        await().atMost(Duration.ofSeconds(10)).until(() -> job.rawGet("before").isPresent());

        server.kill();
        for (int i = 0; i < 6; i++) { // down for 6 s, long enough for a default reconnect delay to grow past 2 s
            job.get("down-" + i);
            Thread.sleep(1_000);
        }
        server.restart();
        long restarted = System.nanoTime();
        await().atMost(Duration.ofMillis(3_500)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> backend.tryLease("probe-" + System.nanoTime(), Duration.ofSeconds(5)) != null);
        Duration cacheBack = Duration.ofNanos(System.nanoTime() - restarted);
        await().atMost(Duration.ofMillis(3_500)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> {
                    queue.enqueue(new dev.cacheback.spi.RefreshTask(job.name(), job.key("after"),
                            "\"after\"".getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of(),
                            dev.cacheback.TaskOptions.none(), java.time.Instant.now()));
                    return true;
                });
        await().atMost(Duration.ofSeconds(5)).until(() -> job.rawGet("after").isPresent());
        Duration workerBack = Duration.ofNanos(System.nanoTime() - restarted);
        System.out.println("FIGURES Redis killed for 6 s and restarted: cache answers after " + cacheBack.toMillis()
                + " ms, a task enqueued after the restart refreshed after " + workerBack.toMillis() + " ms");
        assertThat(cacheBack).isLessThan(Duration.ofMillis(3_500));
    }

    @Test
    void aRefreshLongerThanClaimIdleIsRunOnceAcrossTwoWorkers() throws Exception {
        String streamPrefix = RUN + ":hb:";
        List<CountingJob> jobs = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            Cacheback worker = closeLater(Cacheback.builder().cache("default", CacheBackend.inMemory())
                    .queue(RedisRefreshQueue.builder(TestServers.redisUri()).streamPrefix(streamPrefix).worker()
                            .claimIdle(Duration.ofSeconds(1)).blockTime(Duration.ofMillis(200)).build())
                    .build());
            CountingJob job = new CountingJob(worker, JobSettings.builder().name("fleet.heartbeat").build());
            job.fetchTakes(3_000);
            jobs.add(job);
        }
        jobs.get(0).asyncRefresh("slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.get(0).fetches() + jobs.get(1).fetches() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.stream().anyMatch(j -> j.rawGet("slow").isPresent()));
        Thread.sleep(1_500); // a claim would have started a second fetch by now
        assertThat(jobs.get(0).fetches() + jobs.get(1).fetches()).as("fetches across both workers").isEqualTo(1);
        assertThat(lines("Claimed refresh task")).isZero();
        RedisRefreshQueue queue = (RedisRefreshQueue) jobs.get(0).cacheback().queue();
        assertThat(shared.redis().xpending(queue.streamKey("cacheback"), queue.group()).getCount()).isZero();
    }

    @Test
    void aBacklogSurvivesARedisRestartEveryTaskDoneNoneLeftPending() throws Exception {
        RedisServerProcess server = closeLater(RedisServerProcess.start("--appendonly", "yes", "--appendfsync", "always"));
        assertThat(server.cli("config", "get", "appendonly")).contains("yes");
        RedisRefreshQueue queue = RedisRefreshQueue.builder(server.uri()).worker().concurrency(4)
                .blockTime(Duration.ofMillis(500)).deferWorkerStart().build();
        Cacheback cacheback = closeLater(Cacheback.builder().listener(events)
                .cache("default", RedisCacheBackend.builder(server.uri()).build()).queue(queue).build());
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("fleet.backlog").build());
        job.fetchTakes(2);
        int tasks = 2_000;
        for (int i = 0; i < tasks; i++) {
            job.asyncRefresh("k" + i);
        }
        String stream = queue.streamKey("cacheback");
        assertThat(server.cli("xlen", stream).trim()).isEqualTo(String.valueOf(tasks));

        cacheback.startWorkers();
        await().atMost(Duration.ofSeconds(30)).until(() -> job.fetches() >= 300);
        server.kill();
        int fetchesAtKill = job.fetches();
        Thread.sleep(5_000);
        server.restart();
        long restarted = System.nanoTime();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() ->
                server.cli("xlen", stream).trim().equals("0")
                        && server.cli("xpending", stream, queue.group()).trim().startsWith("0")
                        && server.cli("zcard", queue.delayedSetKey("cacheback")).trim().equals("0"));
        Duration drained = Duration.ofNanos(System.nanoTime() - restarted);
        int missing = 0;
        for (int i = 0; i < tasks; i++) {
            if (job.rawGet("k" + i).isEmpty()) {
                missing++;
            }
        }
        long failedAttempts = lines("trying again in");
        long redone = lines("runs again its pending entry");
        String dead = server.cli("xlen", queue.deadLetterStreamKey("cacheback")).trim();
        System.out.println("FIGURES backlog of " + tasks + " tasks, Redis killed (SIGKILL) after " + fetchesAtKill
                + " fetches, down 5 s, restarted: fetches " + job.fetches() + ", failed attempts (retried) "
                + failedAttempts + ", own pending entries redone " + redone + ", keys missing " + missing
                + ", dead-lettered " + dead + ", drained " + drained.toMillis() + " ms after the restart");
        assertThat(missing).as("keys never refreshed").isZero();
        assertThat(dead).as("dead-lettered").isEqualTo("0");
        assertThat(job.fetches()).isGreaterThanOrEqualTo(tasks);
    }
}

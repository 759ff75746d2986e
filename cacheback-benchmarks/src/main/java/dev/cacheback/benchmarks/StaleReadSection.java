package dev.cacheback.benchmarks;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.rabbitmq.RabbitRefreshQueue;
import dev.cacheback.redis.RedisCacheBackend;
import dev.cacheback.redis.RedisRefreshQueue;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.RefreshQueue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Issue 12 item 6: what a stale read costs the caller, against a hit on the same cache. A stale read
 * takes the key's lease, re-stores the entry under it and hands a task to the queue; it must never
 * wait for a broker. Each row fills N keys, times N hits one by one, moves the clock past the
 * lifetime, then times the first (stale) read of each key. No worker consumes the broker queues
 * during the measurement, so only the caller's side is timed.
 */
final class StaleReadSection {

    /** One combination: a cache and a queue, each made fresh under a unique name. */
    record Setup(String label, Supplier<CacheBackend> cache, Function<String, RefreshQueue> queue, Cleanup cleanup,
                 boolean background) {
        Setup(String label, Supplier<CacheBackend> cache, Function<String, RefreshQueue> queue, Cleanup cleanup) {
            this(label, cache, queue, cleanup, false);
        }

        /** The same, marking stale entries on a dispatcher thread (Cacheback.Builder.markStaleInBackground). */
        Setup inBackground() {
            return new Setup(label + ", marked in the background", cache, queue, cleanup, true);
        }
    }

    private static final ExecutorService DISPATCHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bench-stale-mark");
        t.setDaemon(true);
        return t;
    });

    interface Cleanup {
        void run(String unique, CacheBackend cache, RefreshQueue queue) throws Exception;
    }

    private StaleReadSection() {
    }

    static List<Setup> setups(boolean redis, boolean rabbit, Report report) {
        List<Setup> setups = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "bench-stale-refresh");
            t.setDaemon(true);
            return t;
        });
        Setup inProcess = new Setup("in-memory cache, in-process queue", CacheBackend::inMemory,
                unique -> RefreshQueue.inProcess(pool), (u, c, q) -> { });
        setups.add(inProcess);
        setups.add(inProcess.inBackground());
        if (rabbit) {
            Setup rabbitInMemory = new Setup("in-memory cache, RabbitMQ queue", CacheBackend::inMemory,
                    unique -> RabbitRefreshQueue.builder(Servers.rabbitUri()).defaultQueue(unique).build(),
                    (u, c, q) -> new RabbitBroker().cleanUp(u, q));
            setups.add(rabbitInMemory);
            setups.add(rabbitInMemory.inBackground());
        } else {
            report.gap("Stale read on RabbitMQ: the broker was not reachable.");
        }
        if (redis) {
            Setup streams = new Setup("Redis cache, Redis Streams queue",
                    () -> RedisCacheBackend.builder(Servers.redisUri()).keyPrefix("bench-stale-" + UUID.randomUUID() + ":").build(),
                    unique -> RedisRefreshQueue.builder(Servers.redisUri()).streamPrefix(unique + ":").build(),
                    (u, c, q) -> new RedisStores.Broker().cleanUp(u, q));
            setups.add(streams);
            setups.add(streams.inBackground());
            if (rabbit) {
                Setup rabbitOnRedis = new Setup("Redis cache, RabbitMQ queue",
                        () -> RedisCacheBackend.builder(Servers.redisUri()).keyPrefix("bench-stale-" + UUID.randomUUID() + ":").build(),
                        unique -> RabbitRefreshQueue.builder(Servers.rabbitUri()).defaultQueue(unique).build(),
                        (u, c, q) -> new RabbitBroker().cleanUp(u, q));
                setups.add(rabbitOnRedis);
                setups.add(rabbitOnRedis.inBackground());
            }
        } else {
            report.gap("Stale read on Redis: the server was not reachable.");
        }
        return setups;
    }

    static void run(Report report, List<Setup> setups, int keys) throws Exception {
        Report.Table table = new Report.Table("Cache and queue", "hit p50", "stale read p50", "stale ÷ hit (p50)",
                "hit p99", "stale read p99");
        for (Setup setup : setups) {
            RunAll.step("6. stale read: " + setup.label());
            long[][] measured = null;
            for (int round = 0; round < 2; round++) {          // the first round warms up
                measured = measure(setup, keys);
            }
            long hit50 = percentile(measured[0], 50);
            long stale50 = percentile(measured[1], 50);
            double ratio = (double) stale50 / hit50;
            table.row(setup.label(), Report.micros(hit50), Report.micros(stale50), Report.ratio(ratio),
                    Report.micros(percentile(measured[0], 99)), Report.micros(percentile(measured[1], 99)));
            if (setup.background()) {
                report.target("Stale read, " + setup.label(), "≤ 2× a hit on every queue, marked in the background (issue 15)",
                        Report.ratio(ratio) + " (" + Report.micros(stale50) + " vs " + Report.micros(hit50) + ", p50)",
                        Report.Verdict.of(ratio <= 2.0));
            }
        }
        report.section("6. Stale read against a hit", """
                Per call, in the caller's thread: %,d keys filled, then each read once as a hit, then (the clock \
                moved past the lifetime) each read once more, which finds it stale: the read takes the key's \
                lease, re-stores the entry under it (conditionally on its version) and hands one task to the \
                queue, without waiting for a broker's confirm. Best of the second of two rounds; p50 and p99 \
                of the single-call times, each call 0.5 ms after the previous one ended (so a stale read is timed as it comes \
                among other traffic, not queued behind the previous stale read's background work). Rows "marked in the background" use \
                `Cacheback.builder().markStaleInBackground(executor)`: the reader returns after its read and a \
                dispatcher thread takes the lease, re-stores and enqueues (the mark is conditional on the version \
                the read saw, so its delay changes nothing it decides); while the runtime's clock copy ticks \
                (`Cacheback.builder().clockTick`, 1 ms, as on the system clock by default) the reader only queues \
                the mark and the next tick hands the queued marks to the dispatcher together, so a stale read does \
                not pay for waking the dispatcher's thread. The goal (≤ 2× a hit on every queue) applies to those \
                rows; the other rows are the default, where every effect of a stale read has happened when `get` \
                returns.

                %s""".formatted(keys, table));
    }

    /** {hits, stale reads} in nanoseconds, one per key. */
    private static long[][] measure(Setup setup, int keys) throws Exception {
        String unique = "bench-stale-" + UUID.randomUUID().toString().substring(0, 8);
        OffsetClock clock = new OffsetClock();
        CacheBackend cache = setup.cache().get();
        RefreshQueue queue = setup.queue().apply(unique);
        long[] hits = new long[keys];
        long[] stale = new long[keys];
        // the offset clock follows real time, so it is copied like the system clock (the default there)
        Cacheback.Builder builder = Cacheback.builder().clock(clock).clockTick(Cacheback.DEFAULT_CLOCK_TICK)
                .cache("default", cache).queue(queue);
        if (setup.background()) {
            builder.markStaleInBackground(DISPATCHER);
        }
        try (Cacheback cacheback = builder.build()) {
            BenchJob job = new BenchJob(cacheback, JobSettings.builder().name(unique).lifetime(Duration.ofMinutes(10))
                    .build(), 0);
            for (int i = 0; i < keys; i++) {
                job.set("k" + i, "v" + i);
            }
            for (int i = 0; i < keys; i++) {
                long start = System.nanoTime();
                job.get("k" + i);
                hits[i] = System.nanoTime() - start;
                pause();
            }
            clock.advance(Duration.ofMinutes(11));
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);   // the clock copy's next tick sees the move
            for (int i = 0; i < keys; i++) {
                long start = System.nanoTime();
                job.get("k" + i);
                stale[i] = System.nanoTime() - start;
                pause();
            }
        } finally {
            setup.cleanup().run(unique, cache, queue);
        }
        return new long[][] {hits, stale};
    }

    /**
     * A pause of 0.5 ms between calls, outside the timing: stale reads come one at a time among other
     * traffic, not back to back, so each is timed without queueing behind the previous one's work
     * (the background mark, the unawaited enqueue) on the shared connection.
     */
    private static void pause() {
        java.util.concurrent.locks.LockSupport.parkNanos(500_000);
    }

    private static long percentile(long[] values, int p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}

package dev.cacheback.benchmarks;

import dev.cacheback.test.Stampede;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** The plain-Java harness pieces: released-together threads, and fixed-rate latency recording. */
final class Harness {

    private Harness() {
    }

    /** Latency percentiles in nanoseconds, over {@code samples} calls. */
    record Latencies(long p50, long p99, long p999, long max, int samples) {

        static Latencies of(long[] sorted) {
            return new Latencies(at(sorted, 0.50), at(sorted, 0.99), at(sorted, 0.999),
                    sorted.length == 0 ? 0 : sorted[sorted.length - 1], sorted.length);
        }

        private static long at(long[] sorted, double q) {
            if (sorted.length == 0) {
                return 0;
            }
            int i = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }
    }

    /**
     * Calls {@code call} from {@code threads} threads at a fixed rate (one call per {@code intervalNanos}
     * per thread) for {@code durationNanos}, and records each call's latency from the moment it was
     * <em>due</em>, not the moment it started: a call held up by a blocked predecessor is charged
     * the wait (no coordinated omission, as wrk2 and HdrHistogram measure it).
     */
    /** Latency from the moment each call was due, and the call's own (service) time. */
    record FixedRate(Latencies fromDue, Latencies service, long[] fromDueSamples, long[] serviceSamples) {
    }

    /** One result over the samples of several runs. */
    static FixedRate merge(List<FixedRate> runs) {
        long[] due = runs.stream().map(FixedRate::fromDueSamples).flatMapToLong(java.util.Arrays::stream).sorted().toArray();
        long[] service = runs.stream().map(FixedRate::serviceSamples).flatMapToLong(java.util.Arrays::stream).sorted().toArray();
        return new FixedRate(Latencies.of(due), Latencies.of(service), due, service);
    }

    static FixedRate fixedRate(int threads, long durationNanos, long intervalNanos, Callable<?> call) throws Exception {
        return fixedRate(threads, durationNanos, intervalNanos, List.of(call)).get(0);
    }

    /**
     * {@link #fixedRate(int, long, long, Callable)} for several workloads at once: due call {@code i} of
     * a thread runs {@code calls.get(i % calls.size())}, so every workload meets the same machine — a
     * thread descheduled for a while builds the same backlog on each — and their percentiles can be
     * compared even on a busy machine. Returns one result per workload.
     */
    static List<FixedRate> fixedRate(int threads, long durationNanos, long intervalNanos, List<Callable<?>> calls)
            throws Exception {
        int kinds = calls.size();
        int perThread = (int) (durationNanos / intervalNanos);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        List<long[][]> recorded = Stampede.run(threads, () -> {
            long[][] out = new long[2 * kinds][];
            int[] counts = new int[kinds];
            for (int k = 0; k < kinds; k++) {
                out[2 * k] = new long[perThread / kinds + 1];
                out[2 * k + 1] = new long[perThread / kinds + 1];
            }
            for (int i = 0; i < perThread; i++) {
                long due = start + i * intervalNanos;
                long now;
                while ((now = System.nanoTime()) < due) {
                    if (due - now > 2_000_000L) {
                        LockSupport.parkNanos(due - now - 1_000_000L);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                int k = i % kinds;
                long began = System.nanoTime();
                calls.get(k).call();
                long ended = System.nanoTime();
                out[2 * k][counts[k]] = ended - due;
                out[2 * k + 1][counts[k]++] = ended - began;
            }
            for (int k = 0; k < kinds; k++) {
                out[2 * k] = Arrays.copyOf(out[2 * k], counts[k]);
                out[2 * k + 1] = Arrays.copyOf(out[2 * k + 1], counts[k]);
            }
            return out;
        });
        List<FixedRate> results = new ArrayList<>();
        for (int k = 0; k < kinds; k++) {
            long[] due = merge(recorded, 2 * k);
            long[] service = merge(recorded, 2 * k + 1);
            results.add(new FixedRate(Latencies.of(due), Latencies.of(service), due, service));
        }
        return results;
    }

    private static long[] merge(List<long[][]> recorded, int which) {
        int total = recorded.stream().mapToInt(a -> a[which].length).sum();
        long[] all = new long[total];
        int at = 0;
        for (long[][] a : recorded) {
            System.arraycopy(a[which], 0, all, at, a[which].length);
            at += a[which].length;
        }
        Arrays.sort(all);
        return all;
    }
}

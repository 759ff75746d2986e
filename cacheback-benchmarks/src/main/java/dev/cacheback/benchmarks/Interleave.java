package dev.cacheback.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Two calls measured outside JMH in alternating rounds in one thread, so that a change in a shared
 * machine's load falls on both alike: the ratio of two remote calls whose difference is smaller
 * than the swing between separate JMH forks. Also the caller thread's CPU time per call
 * ({@code ThreadMXBean}), which waiting on the network does not inflate.
 */
final class Interleave {

    private Interleave() {
    }

    /** One call of a side. */
    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    /** Wall and caller-CPU time per call of each side, in microseconds. */
    record Result(double rawWallMicros, double mineWallMicros, double rawCpuMicros, double mineCpuMicros) {
        double wallRatio() {
            return mineWallMicros / rawWallMicros;
        }
    }

    /**
     * A report row for {@code result} after {@code label}: raw and mine wall µs per call, their ratio,
     * raw and mine caller CPU µs per call, and the CPU difference.
     */
    static Object[] row(String label, Result result) {
        return new Object[] {label, Report.f1(result.rawWallMicros()), Report.f1(result.mineWallMicros()),
                Report.ratio(result.wallRatio()), Report.f1(result.rawCpuMicros()), Report.f1(result.mineCpuMicros()),
                "+" + Report.f1(result.mineCpuMicros() - result.rawCpuMicros()) + " µs"};
    }

    /**
     * {@code warmRounds} unmeasured then {@code rounds} measured rounds, each {@code callsPerRound} calls
     * of {@code raw} then as many of {@code mine}.
     */
    static Result measure(Call raw, Call mine, int warmRounds, int rounds, int callsPerRound) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long rawWall = 0;
        long mineWall = 0;
        long rawCpu = 0;
        long mineCpu = 0;
        for (int round = 0; round < warmRounds + rounds; round++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < callsPerRound; i++) {
                raw.run();
            }
            long t1 = System.nanoTime();
            long c1 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < callsPerRound; i++) {
                mine.run();
            }
            long t2 = System.nanoTime();
            long c2 = mx.getCurrentThreadCpuTime();
            if (round >= warmRounds) {
                rawWall += t1 - t0;
                mineWall += t2 - t1;
                rawCpu += c1 - c0;
                mineCpu += c2 - c1;
            }
        }
        double calls = 1_000.0 * rounds * callsPerRound;
        return new Result(rawWall / calls, mineWall / calls, rawCpu / calls, mineCpu / calls);
    }
}

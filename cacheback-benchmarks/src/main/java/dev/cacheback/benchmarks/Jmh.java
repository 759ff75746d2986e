package dev.cacheback.benchmarks;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs JMH benchmarks through its Runner API with the settings of a full or a smoke run. */
final class Jmh {

    /** One benchmark's result: average time per operation (in the benchmark's output unit), its error, bytes allocated per operation. */
    record Score(double time, double error, double bytesPerOp) {
    }

    private final RunAll.Mode mode;

    Jmh(RunAll.Mode mode) {
        this.mode = mode;
    }

    /** The JMH settings, as the report states them. */
    String describe() {
        return mode.smoke ? "smoke: no fork, warm-up 1 × 100 ms, measurement 1 × 100 ms"
                : "fork 1, warm-up 3 × 1 s, measurement 5 × 1 s, GC profiler";
    }

    /**
     * One benchmark run of a parameterised class: its method, parameters and threads, the mean with
     * its error, the lowest and highest measured iteration (the spread), and bytes per operation.
     */
    record Row(String method, Map<String, String> params, int threads, double time, double error, double min,
            double max, double bytesPerOp) {
    }

    /** Warm-up of the long runs: long enough that C2's code is what is measured. */
    static final int LONG_WARMUP_ITERATIONS = 5;
    static final int LONG_WARMUP_SECONDS = 2;

    /** The settings of {@link #runRows}, as the report states them. */
    String describeRows() {
        return mode.smoke ? "smoke: no fork, warm-up 1 × 100 ms, measurement 1 × 100 ms"
                : "fork 1, warm-up " + LONG_WARMUP_ITERATIONS + " × " + LONG_WARMUP_SECONDS
                        + " s, measurement 5 × 1 s, GC profiler, forks with `-Xms1g -Xmx1g`";
    }

    /**
     * Runs {@code methods} of {@code benchmarkClass} with {@code threads} threads over every
     * combination of {@code params} (a parameter left out takes the values of its {@code @Param}),
     * with the long warm-up; one row per method and combination, with the iteration spread.
     */
    List<Row> runRows(Class<?> benchmarkClass, Collection<String> methods, int threads, Map<String, String[]> params)
            throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(benchmarkClass.getName() + "\\.(" + String.join("|", methods) + ")$")
                .threads(threads)
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .verbosity(mode.smoke ? VerboseMode.SILENT : VerboseMode.NORMAL);
        params.forEach(options::param);
        if (mode.smoke) {
            options.forks(0).warmupIterations(1).warmupTime(TimeValue.milliseconds(100))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(100));
        } else {
            options.forks(1).warmupIterations(LONG_WARMUP_ITERATIONS).warmupTime(TimeValue.seconds(LONG_WARMUP_SECONDS))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                    .jvmArgsAppend(mode.forkJvmArgs());
        }
        List<Row> rows = new ArrayList<>();
        for (RunResult r : new Runner(options.build()).run()) {
            String label = r.getParams().getBenchmark();
            String method = label.substring(label.lastIndexOf('.') + 1);
            Map<String, String> values = new LinkedHashMap<>();
            for (String key : r.getParams().getParamsKeys()) {
                values.put(key, r.getParams().getParam(key));
            }
            double min = Double.NaN;
            double max = Double.NaN;
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult i : b.getIterationResults()) {
                    double score = i.getPrimaryResult().getScore();
                    min = Double.isNaN(min) ? score : Math.min(min, score);
                    max = Double.isNaN(max) ? score : Math.max(max, score);
                }
            }
            double alloc = Double.NaN;
            for (var e : r.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = e.getValue().getScore();
                }
            }
            Result<?> primary = r.getPrimaryResult();
            double error = primary.getScoreError();
            rows.add(new Row(method, Map.copyOf(values), threads, primary.getScore(), Double.isNaN(error) ? 0 : error,
                    min, max, alloc));
        }
        return rows;
    }

    /** Runs one benchmark method once per value of its {@code param}; scores by param value. */
    Map<String, Score> runParams(Class<?> benchmarkClass, String method, String param, Collection<String> values)
            throws RunnerException {
        Map<String, Score> scores = new LinkedHashMap<>();
        for (String value : values) {
            Map<String, Score> one = run(benchmarkClass, method, 1, Map.of(param, value));
            scores.put(value, one.get(method));
        }
        return scores;
    }

    Map<String, Score> run(Class<?> benchmarkClass, String methodRegex, int threads, Map<String, String> params)
            throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(benchmarkClass.getName() + "\\.(" + methodRegex + ")$")
                .threads(threads)
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .verbosity(mode.smoke ? VerboseMode.SILENT : VerboseMode.NORMAL);
        params.forEach(options::param);
        if (mode.smoke) {
            options.forks(0).warmupIterations(1).warmupTime(TimeValue.milliseconds(100))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(100));
        } else {
            options.forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                    .jvmArgsAppend(mode.forkJvmArgs());
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        Map<String, Score> scores = new LinkedHashMap<>();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            String method = label.substring(label.lastIndexOf('.') + 1);
            Result<?> primary = r.getPrimaryResult();
            double alloc = Double.NaN;
            for (var e : r.getSecondaryResults().entrySet()) {
                if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                    alloc = e.getValue().getScore();
                }
            }
            double error = primary.getScoreError();
            scores.put(method, new Score(primary.getScore(), Double.isNaN(error) ? 0 : error, alloc));
        }
        return scores;
    }
}

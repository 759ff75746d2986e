package dev.cacheback.test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Releases N threads together at one call, and collects what each got: the shape of every
 * concurrency test here (STYLE.md 11).
 */
public final class Stampede {

    private Stampede() {
    }

    /**
     * Runs {@code call} in {@code threads} threads that all wait at a barrier, then start together.
     *
     * @return each thread's result, in thread order
     * @throws AssertionError if a call threw, or the threads did not finish within 60 s
     */
    public static <T> List<T> run(int threads, Callable<T> call) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier barrier = new CyclicBarrier(threads);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    return call.call();
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } catch (ExecutionException e) {
            throw new AssertionError("a stampeding call threw: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("stampede did not complete: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }
}

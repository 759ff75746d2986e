package dev.cacheback.memcached;

import dev.cacheback.Cacheback;
import dev.cacheback.CachebackListener;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.Stampede;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One process of {@link MultiProcessStampedeTest}: builds a runtime on the shared memcached (real
 * clock), prints {@code READY}, waits for the go key, releases 16 threads at the stale key, counts
 * each refresh task it enqueues in memcached, waits until every process has read (the done counter
 * reaches the process count), runs its pending tasks and exits.
 *
 * <p>Arguments: memcached address, job name, fetch counter key, task counter key, go key, done
 * counter key, number of processes.
 */
public final class StampedeWorker {

    private StampedeWorker() {
    }

    public static void main(String[] args) throws Exception {
        String address = args[0];
        String jobName = args[1];
        String fetchCounter = args[2];
        String taskCounter = args[3];
        String goKey = args[4];
        String doneCounter = args[5];
        long processes = Long.parseLong(args[6]);
        try (MemcachedText counters = new MemcachedText(address)) {
            ManualRefreshQueue queue = new ManualRefreshQueue();
            CachebackListener countTasks = new CachebackListener() {
                @Override
                public void onRefreshEnqueued(String job, String key) {
                    counters.incr(taskCounter, 1);
                }
            };
            try (Cacheback cacheback = Cacheback.builder()
                    .cache("default", MemcachedCacheBackend.builder(address).build())
                    .queue(queue).listener(countTasks).build()) {
                SharedCounterJob job = new SharedCounterJob(cacheback, jobName, counters, fetchCounter);
                System.out.println("READY");
                waitFor(() -> counters.get(goKey) != null, "NO-GO");
                List<String> seen = Stampede.run(16, () -> job.get("hot"));
                System.out.println("SEEN " + seen.stream().distinct().sorted().toList() + " x" + seen.size());
                counters.incr(doneCounter, 1);
                waitFor(() -> Long.parseLong(counters.getString(doneCounter).trim()) >= processes, "NOT-ALL-DONE");
                System.out.println("ENQUEUED " + queue.enqueuedCount());
                System.out.println("RAN " + queue.runPending());
            }
        }
        System.exit(0);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String failure) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                System.out.println(failure);
                System.exit(2);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}

package dev.cacheback;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;

/** An executor that holds submitted work until the test runs it: in-process queue tests without timing. */
final class StepExecutor implements Executor {

    final Deque<Runnable> waiting = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable command) {
        waiting.add(command);
    }

    synchronized Runnable next() {
        return waiting.poll();
    }

    /** Runs everything submitted, including what running submits. */
    int runAll() {
        int ran = 0;
        Runnable r;
        while ((r = next()) != null) {
            r.run();
            ran++;
        }
        return ran;
    }
}

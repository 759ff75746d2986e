package dev.cacheback.spring;

import dev.cacheback.CachebackListener;
import dev.cacheback.TaskOptions;
import dev.cacheback.spi.QueueContext;
import dev.cacheback.spi.RefreshQueue;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.spi.TaskHandler;
import dev.cacheback.spi.TaskResult;

import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/**
 * A queue whose worker holds the tasks it takes until {@link #open()} (the context has created every
 * job): for a broker queue that starts consuming as soon as the runtime opens it. Everything else is
 * the delegate's.
 */
final class GatedRefreshQueue implements RefreshQueue {

    private final RefreshQueue delegate;
    private final CountDownLatch gate = new CountDownLatch(1);
    private volatile boolean closing;

    GatedRefreshQueue(RefreshQueue delegate) {
        this.delegate = delegate;
    }

    /** Lets the worker run tasks. */
    void open() {
        gate.countDown();
    }

    /** The queue behind the gate. */
    RefreshQueue delegate() {
        return delegate;
    }

    @Override
    public void open(QueueContext context) {
        delegate.open(new QueueContext() {
            @Override
            public TaskHandler handler() {
                TaskHandler handler = context.handler();
                return task -> {
                    awaitGate();
                    if (closing) {
                        return TaskResult.failed("the application stopped before it started its worker; the task stays "
                                + "on the broker for another worker", null);
                    }
                    return handler.handle(task);
                };
            }

            @Override
            public Clock clock() {
                return context.clock();
            }

            @Override
            public CachebackListener listener() {
                return context.listener();
            }
        });
    }

    private void awaitGate() {
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean enqueue(RefreshTask task) {
        return delegate.enqueue(task);
    }

    @Override
    public void validate(TaskOptions options) {
        delegate.validate(options);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        if (gate.getCount() > 0) {
            closing = true;  // held tasks are handed back, not run against a half-built application
        }
        gate.countDown();
        delegate.close();
    }

}

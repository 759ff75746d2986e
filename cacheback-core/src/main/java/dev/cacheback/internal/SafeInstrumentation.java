package dev.cacheback.internal;

import dev.cacheback.CachebackListener;
import dev.cacheback.Instrumentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.function.Supplier;

/**
 * Calls an {@link Instrumentation}, logging (never propagating) what it throws: a telemetry library
 * that fails must not fail a read or a refresh.
 */
public final class SafeInstrumentation implements Instrumentation {

    private static final Logger log = LoggerFactory.getLogger("cacheback");
    private final Instrumentation delegate;

    private SafeInstrumentation(Instrumentation delegate) {
        this.delegate = delegate;
    }

    /** {@code instrumentation} guarded; {@link Instrumentation#NONE} as it is. */
    public static Instrumentation of(Instrumentation instrumentation) {
        return instrumentation == NONE || instrumentation instanceof SafeInstrumentation ? instrumentation
                : new SafeInstrumentation(instrumentation);
    }

    private Observed start(Supplier<Observed> start) {
        try {
            Observed observed = start.get();
            return observed == null || observed == Observed.NONE ? Observed.NONE : new SafeObserved(observed);
        } catch (RuntimeException e) {
            log.warn("Instrumentation {} threw; this unit is not observed", delegate, e);
            return Observed.NONE;
        }
    }

    @Override
    public Observed get(String job, String cacheAlias) {
        return start(() -> delegate.get(job, cacheAlias));
    }

    @Override
    public Observed fetch(String job, String cacheAlias) {
        return start(() -> delegate.fetch(job, cacheAlias));
    }

    @Override
    public Observed enqueue(String job, String queue, Map<String, String> traceContext) {
        return start(() -> delegate.enqueue(job, queue, traceContext));
    }

    @Override
    public Observed refresh(String job, String queue, Map<String, String> traceContext, int attempt) {
        return start(() -> delegate.refresh(job, queue, traceContext, attempt));
    }

    @Override
    public Runnable wrap(Runnable work) {
        try {
            Runnable wrapped = delegate.wrap(work);
            return wrapped != null ? wrapped : work;
        } catch (RuntimeException e) {
            log.warn("Instrumentation {} threw; the work runs without its trace context", delegate, e);
            return work;
        }
    }

    @Override
    public CachebackListener listener() {
        return delegate.listener();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }

    private static final class SafeObserved implements Observed {
        private final Observed delegate;

        SafeObserved(Observed delegate) {
            this.delegate = delegate;
        }

        @Override
        public void tag(String key, String value) {
            try {
                delegate.tag(key, value);
            } catch (RuntimeException e) {
                log.warn("Observation {} threw on tag; ignored", delegate, e);
            }
        }

        @Override
        public void error(Throwable failure) {
            try {
                delegate.error(failure);
            } catch (RuntimeException e) {
                log.warn("Observation {} threw on error; ignored", delegate, e);
            }
        }

        @Override
        public void close() {
            try {
                delegate.close();
            } catch (RuntimeException e) {
                log.warn("Observation {} threw on close; ignored", delegate, e);
            }
        }
    }
}

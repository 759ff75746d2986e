package dev.cacheback;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A supplier whose result is cached and refreshed in the background: {@link CachedFunction} for a
 * function of no arguments. Its {@link #job()} is a {@code Job<Void, V>}: {@code job().invalidate()},
 * {@code job().set(value)}. Thread-safe.
 */
public final class CachedSupplier<V> implements Supplier<V> {

    private final FunctionJob<Void, V> job;

    private CachedSupplier(FunctionJob<Void, V> job) {
        this.job = job;
    }

    /** A builder for a supplier of {@code V}. */
    public static <V> Builder<V> builder(String name, Class<V> valueType) {
        return new Builder<>(name, TypeRef.of(valueType));
    }

    /** A builder for a generic result type. */
    public static <V> Builder<V> builder(String name, TypeRef<V> valueType) {
        return new Builder<>(name, valueType);
    }

    /** {@code job().get()}. */
    @Override
    public V get() {
        return job.get();
    }

    /** The job behind this supplier. */
    public FunctionJob<Void, V> job() {
        return job;
    }

    @Override
    public String toString() {
        return "CachedSupplier[" + job.name() + "]";
    }

    /** Builds a {@link CachedSupplier}. Setting an option twice is an error. Not thread-safe. */
    public static final class Builder<V> {
        private final CachedFunction.Builder<Void, V> delegate;

        private Builder(String name, TypeRef<V> valueType) {
            this.delegate = CachedFunction.builder(name, TypeRef.of(Void.class), Objects.requireNonNull(valueType, "valueType"));
        }

        /** The job's settings. Default: defaults. */
        public Builder<V> settings(JobSettings settings) {
            delegate.settings(settings);
            return this;
        }

        /** The job class to use, as its constructor. Default {@link FunctionJob}. */
        public Builder<V> jobClass(FunctionJob.Factory<Void, V> jobClass) {
            delegate.jobClass(jobClass);
            return this;
        }

        /** Wraps {@code supplier}, on {@code cacheback}. */
        public CachedSupplier<V> build(Cacheback cacheback, Supplier<? extends V> supplier) {
            Objects.requireNonNull(supplier, "supplier");
            return new CachedSupplier<>(delegate.build(cacheback, ignored -> supplier.get()).job());
        }

        /** Wraps {@code supplier}, on the default runtime. */
        public CachedSupplier<V> build(Supplier<? extends V> supplier) {
            return build(Cacheback.getDefault(), supplier);
        }
    }
}

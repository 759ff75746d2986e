package dev.cacheback;

import java.util.Objects;
import java.util.function.Function;

/**
 * The job behind a {@link CachedFunction} or {@link CachedSupplier}: its {@code fetch} calls the
 * wrapped function. Subclass it to override hooks for a wrapped function (the seed decorator's
 * {@code job_class}), and pass the subclass's constructor to the builder's {@code jobClass}.
 *
 * @param <K> the function's argument type ({@code Void} for a supplier)
 * @param <V> the function's result type
 */
public class FunctionJob<K, V> extends Job<K, V> {

    /**
     * Everything a function job is made from; hand it to {@code super(spec)} in a subclass.
     *
     * @param cacheback the runtime
     * @param settings  the settings, with the job's name set
     * @param argType   the argument type
     * @param valueType the result type
     * @param function  the wrapped function
     */
    public record Spec<K, V>(Cacheback cacheback, JobSettings settings, TypeRef<K> argType, TypeRef<V> valueType,
                             Function<? super K, ? extends V> function) {
        public Spec {
            Objects.requireNonNull(cacheback, "cacheback");
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(argType, "argType");
            Objects.requireNonNull(valueType, "valueType");
            Objects.requireNonNull(function, "function");
            if (settings.name().isEmpty()) {
                throw new IllegalArgumentException("A function job needs a name (workers find it by name)");
            }
        }
    }

    /** Makes the job for a spec: a subclass's constructor, as {@code MyFunctionJob::new}. */
    @FunctionalInterface
    public interface Factory<K, V> {
        FunctionJob<K, V> create(Spec<K, V> spec);
    }

    private final Function<? super K, ? extends V> function;

    /** A function job; subclasses pass the spec they are given. */
    public FunctionJob(Spec<K, V> spec) {
        super(spec.cacheback(), spec.settings(), spec.argType(), spec.valueType());
        this.function = spec.function();
    }

    /** Calls the wrapped function. */
    @Override
    protected V fetch(K args) {
        return function.apply(args);
    }
}

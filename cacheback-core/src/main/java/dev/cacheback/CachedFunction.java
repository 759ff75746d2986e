package dev.cacheback;

import java.util.Objects;
import java.util.function.Function;

/**
 * A function whose results are cached and refreshed in the background: the seed's {@code @cacheback}
 * decorator. Calling it is calling {@link Job#get} on its {@link #job()}, which also gives
 * {@code set}, {@code invalidate}, {@code delete} and {@code rawGet}.
 * <pre>{@code
 * CachedFunction<String, Profile> profiles = CachedFunction.builder("profiles", String.class, Profile.class)
 *         .settings(JobSettings.builder().lifetime(Duration.ofMinutes(5)).build())
 *         .build(cacheback, profileService::load);
 * Profile p = profiles.apply("ada");
 * profiles.job().invalidate("ada");
 * }</pre>
 * The name is required: it is how a worker finds the function to refresh it, so a worker process
 * must build the same cached function under the same name. Thread-safe.
 */
public final class CachedFunction<K, V> implements Function<K, V> {

    private final FunctionJob<K, V> job;

    private CachedFunction(FunctionJob<K, V> job) {
        this.job = job;
    }

    /** A builder for a function from {@code K} to {@code V}. */
    public static <K, V> Builder<K, V> builder(String name, Class<K> argType, Class<V> valueType) {
        return new Builder<>(name, TypeRef.of(argType), TypeRef.of(valueType));
    }

    /** A builder for generic argument or result types, such as {@code new TypeRef<List<User>>() {}}. */
    public static <K, V> Builder<K, V> builder(String name, TypeRef<K> argType, TypeRef<V> valueType) {
        return new Builder<>(name, argType, valueType);
    }

    /** {@code job().get(args)}. */
    @Override
    public V apply(K args) {
        return job.get(args);
    }

    /** The job behind this function. */
    public FunctionJob<K, V> job() {
        return job;
    }

    @Override
    public String toString() {
        return "CachedFunction[" + job.name() + "]";
    }

    /** Builds a {@link CachedFunction}. Setting an option twice is an error. Not thread-safe. */
    public static final class Builder<K, V> {
        private final String name;
        private final TypeRef<K> argType;
        private final TypeRef<V> valueType;
        private JobSettings settings;
        private FunctionJob.Factory<K, V> jobClass;

        private Builder(String name, TypeRef<K> argType, TypeRef<V> valueType) {
            this.name = Job.validateName(name);
            this.argType = Objects.requireNonNull(argType, "argType");
            this.valueType = Objects.requireNonNull(valueType, "valueType");
        }

        /** The job's settings (lifetime, fetchOnMiss, cacheAlias, taskOptions, …); their name, if set, is replaced. Default: defaults. */
        public Builder<K, V> settings(JobSettings settings) {
            Settings.requireUnset(this.settings, "settings");
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** The job class to use, as its constructor: {@code MyFunctionJob::new}. Default {@link FunctionJob}. */
        public Builder<K, V> jobClass(FunctionJob.Factory<K, V> jobClass) {
            Settings.requireUnset(this.jobClass, "jobClass");
            this.jobClass = Objects.requireNonNull(jobClass, "jobClass");
            return this;
        }

        /** Wraps {@code function}, on {@code cacheback}. */
        public CachedFunction<K, V> build(Cacheback cacheback, Function<? super K, ? extends V> function) {
            JobSettings named = (settings != null ? settings : JobSettings.defaults()).withName(name);
            FunctionJob.Spec<K, V> spec = new FunctionJob.Spec<>(cacheback, named, argType, valueType, function);
            return new CachedFunction<>(jobClass != null ? jobClass.create(spec) : new FunctionJob<>(spec));
        }

        /** Wraps {@code function}, on the {@linkplain Cacheback#getDefault() default runtime}. */
        public CachedFunction<K, V> build(Function<? super K, ? extends V> function) {
            return build(Cacheback.getDefault(), function);
        }
    }
}

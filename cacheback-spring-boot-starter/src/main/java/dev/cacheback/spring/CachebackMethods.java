package dev.cacheback.spring;

import dev.cacheback.CacheEntry;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reaches the jobs behind {@link Cached @Cached} methods by name, for what a method call cannot
 * express: {@code set}, {@code invalidate}, {@code delete}, {@code rawGet}, {@code refresh}. Arguments
 * are given as the method takes them (with a {@link Cached#key() key expression}, the entry is the
 * one of the expression's value over them).
 * <pre>{@code
 * cachebackMethods.invalidate("QuoteService.quote", "ACME");
 * cachebackMethods.set("QuoteService.quote", newQuote, "ACME");
 * }</pre>
 *
 * <p>A bean of the auto-configuration; thread-safe.
 */
public final class CachebackMethods {

    private final CachedMethodRegistry registry;

    CachebackMethods(CachedMethodRegistry registry) {
        this.registry = registry;
    }

    /** The names of every cached method, sorted. */
    public Set<String> names() {
        return new TreeSet<>(registry.all().stream().map(MethodJob::name).toList());
    }

    /** Marks the entry for {@code args} stale and refreshes it in the background, if there is one (DESIGN.md S6). */
    public void invalidate(String name, Object... args) {
        MethodJob job = jobOrThrow(name);
        job.invalidate(job.encode(args));
    }

    /** Removes the entry for {@code args} (DESIGN.md S7). */
    public void delete(String name, Object... args) {
        MethodJob job = jobOrThrow(name);
        job.delete(job.encode(args));
    }

    /**
     * Stores {@code value} as the fresh result for {@code args} (DESIGN.md S8).
     *
     * @throws IllegalArgumentException when {@code value} is not of the method's value type (its return
     *     type, or the {@code T} of a {@code CompletableFuture<T>} / {@code Mono<T>})
     */
    public void set(String name, Object value, Object... args) {
        MethodJob job = jobOrThrow(name);
        Class<?> cached = org.springframework.util.ClassUtils.resolvePrimitiveIfNecessary(job.valueClass());
        if (value != null && !cached.isInstance(value)) {
            throw new IllegalArgumentException("Cached method " + name + " returns " + job.valueType()
                    .getTypeName() + ", not " + value.getClass().getName());
        }
        job.set(job.encode(args), value);
    }

    /** The stored entry for {@code args}, without fetching or enqueueing (DESIGN.md S9). */
    public Optional<CacheEntry<Object>> rawGet(String name, Object... args) {
        MethodJob job = jobOrThrow(name);
        return job.rawGet(job.encode(args));
    }

    /** Calls the method now, stores its result as fresh and returns it (DESIGN.md S10). */
    public Object refresh(String name, Object... args) {
        MethodJob job = jobOrThrow(name);
        return job.refresh(job.encode(args));
    }

    /** The cache key of {@code args}. */
    public String key(String name, Object... args) {
        MethodJob job = jobOrThrow(name);
        return job.key(job.encode(args));
    }

    /**
     * The job behind a cached method.
     *
     * @throws IllegalArgumentException naming the cached methods there are, when none is called {@code name}
     */
    public dev.cacheback.Job<?, ?> job(String name) {
        return jobOrThrow(name);
    }

    private MethodJob jobOrThrow(String name) {
        MethodJob job = registry.byName(name);
        if (job == null) {
            throw new IllegalArgumentException("No @Cached method is named \"" + name + "\"; cached methods: " + names());
        }
        return job;
    }
}

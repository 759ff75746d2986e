package dev.cacheback.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * How an annotated method returns its value: directly, or through a future or a Reactor publisher.
 * Decides the value type that is cached, refuses what cannot be cached by value, and wraps and
 * unwraps values. Reactor types are only touched when Reactor is on the classpath.
 */
enum ReturnKind {
    /** A value returned directly. */
    VALUE,
    /** {@code CompletableFuture<T>} or {@code CompletionStage<T>}. */
    FUTURE,
    /** Reactor {@code Mono<T>}. */
    MONO,
    /** Reactor {@code Flux<T>}, cached as a {@code List<T>}. */
    FLUX;

    static final boolean REACTOR = ClassUtils.isPresent("reactor.core.publisher.Mono", ReturnKind.class.getClassLoader());

    private static final String CONTINUATION = "kotlin.coroutines.Continuation";

    /** Whether the method's value arrives later, so that a miss must not block the caller. */
    boolean async() {
        return this != VALUE;
    }

    /**
     * The kind of {@code method}'s return type.
     *
     * @throws IllegalStateException naming the method and the fix, for return types that cannot be cached by value
     */
    static ReturnKind of(Method method, String annotation) {
        Class<?> raw = method.getReturnType();
        Class<?>[] params = method.getParameterTypes();
        if (params.length > 0 && params[params.length - 1].getName().equals(CONTINUATION)) {
            throw refused(method, annotation, "is a Kotlin suspend function (its last parameter is a Continuation), "
                    + "whose result cannot be awaited from Java", "declare a regular function returning Mono<T> "
                    + "(kotlinx-coroutines-reactor's mono { }) or CompletableFuture<T> (kotlinx-coroutines-jdk8's future { })");
        }
        if (raw == void.class || raw == Void.class) {
            throw refused(method, annotation, "returns void: there is nothing to cache",
                    "return the value, or use @CachedInvalidate / @CachedDelete to evict entries");
        }
        if (raw == CompletableFuture.class || raw == CompletionStage.class) {
            return FUTURE;
        }
        if (REACTOR && Reactor.isMono(raw)) {
            return MONO;
        }
        if (REACTOR && Reactor.isFlux(raw)) {
            return FLUX;
        }
        if (isA(raw, "java.util.concurrent.Future") || isA(raw, "java.util.concurrent.CompletionStage")) {
            throw refused(method, annotation, "returns a " + raw.getName() + ", which cannot be cached by value",
                    "return CompletableFuture<T> or CompletionStage<T>");
        }
        if (isA(raw, "org.reactivestreams.Publisher") || isA(raw, "java.util.concurrent.Flow$Publisher")) {
            throw refused(method, annotation, "returns a " + raw.getName() + ", which cannot be cached by value",
                    "return Reactor's Mono<T> or Flux<T>, or the value itself");
        }
        if (isA(raw, "java.util.stream.BaseStream") || isA(raw, "java.util.Iterator") || isA(raw, "java.util.Spliterator")
                || isA(raw, "java.util.Enumeration")) {
            throw refused(method, annotation, "returns a " + raw.getName() + ", which can be read only once and cannot "
                    + "be cached by value", "return a List<T> (e.g. stream.toList())");
        }
        return VALUE;
    }

    /** The type that is cached: the return type, its future's or {@code Mono}'s {@code T}, or {@code List<T>} for a {@code Flux<T>}. */
    Type valueType(Method method, String annotation) {
        if (this == VALUE) {
            Class<?> raw = method.getReturnType();
            return raw.isPrimitive() ? ClassUtils.resolvePrimitiveIfNecessary(raw) : method.getGenericReturnType();
        }
        ResolvableType element = ResolvableType.forMethodReturnType(method).getGeneric(0);
        Class<?> resolved = element.resolve();
        if (resolved == null || element.getType() instanceof java.lang.reflect.TypeVariable<?>
                || element.getType() instanceof java.lang.reflect.WildcardType) {
            throw refused(method, annotation, "returns " + method.getGenericReturnType().getTypeName()
                    + " without a concrete value type", "declare it, e.g. " + method.getReturnType().getSimpleName() + "<Quote>");
        }
        if (resolved == Void.class) {
            throw refused(method, annotation, "returns " + method.getGenericReturnType().getTypeName()
                    + ": there is nothing to cache", "return the value, or use @CachedInvalidate / @CachedDelete to evict entries");
        }
        Type type = element.getType();
        return this == FLUX ? ResolvableType.forClassWithGenerics(List.class, element).getType() : type;
    }

    /** What the caller gets for a value at hand (a hit, a stale read, or an empty miss). */
    @Nullable Object wrap(@Nullable Object value) {
        return switch (this) {
            case VALUE -> value;
            case FUTURE -> CompletableFuture.completedFuture(value);
            case MONO -> Reactor.mono(value);
            case FLUX -> Reactor.flux(value);
        };
    }

    /**
     * What the caller gets for a value that {@code later} will give: the future at once for
     * {@link #FUTURE}; for a publisher, {@code later} is called on each subscription.
     */
    Object later(java.util.function.Supplier<CompletableFuture<Object>> later) {
        return switch (this) {
            case VALUE -> throw new IllegalStateException("a plain value is never fetched later");
            case FUTURE -> later.get();
            case MONO -> Reactor.monoLater(later);
            case FLUX -> Reactor.fluxLater(later);
        };
    }

    /** A future of the value the method returned (for {@link #VALUE}, completed with it). */
    CompletableFuture<Object> toFuture(@Nullable Object returned) {
        if (returned == null) {
            return CompletableFuture.completedFuture(null);
        }
        return switch (this) {
            case VALUE -> CompletableFuture.completedFuture(returned);
            case FUTURE -> ((CompletionStage<?>) returned).toCompletableFuture().thenApply(v -> (Object) v);
            case MONO -> Reactor.monoToFuture(returned);
            case FLUX -> Reactor.fluxToFuture(returned);
        };
    }

    /**
     * The method's result with {@code action} run on its value once it completes normally: at once
     * for a plain value; chained for a future; on success of each subscription for a publisher.
     */
    @Nullable Object afterSuccess(@Nullable Object returned, Consumer<@Nullable Object> action) {
        if (returned == null && this != VALUE) {
            return null;
        }
        return switch (this) {
            case VALUE -> {
                action.accept(returned);
                yield returned;
            }
            case FUTURE -> {
                CompletionStage<?> stage = (CompletionStage<?>) returned;
                CompletionStage<?> chained = stage.thenApply(v -> {
                    action.accept(v);
                    return v;
                });
                yield returned instanceof CompletableFuture<?> ? chained.toCompletableFuture() : chained;
            }
            case MONO -> Reactor.monoAfterSuccess(returned, action);
            case FLUX -> Reactor.fluxAfterSuccess(returned, action);
        };
    }

    private static IllegalStateException refused(Method method, String annotation, String problem, String fix) {
        return new IllegalStateException(annotation + " method " + MethodJob.describe(method) + " " + problem + ": " + fix);
    }

    private static boolean isA(@Nullable Class<?> type, String name) {
        if (type == null) {
            return false;
        }
        if (type.getName().equals(name)) {
            return true;
        }
        for (Class<?> i : type.getInterfaces()) {
            if (isA(i, name)) {
                return true;
            }
        }
        return isA(type.getSuperclass(), name);
    }

    /** Reactor, loaded only when {@link #REACTOR}. */
    private static final class Reactor {

        static boolean isMono(Class<?> raw) {
            return raw == reactor.core.publisher.Mono.class;
        }

        static boolean isFlux(Class<?> raw) {
            return raw == reactor.core.publisher.Flux.class;
        }

        static Object mono(@Nullable Object value) {
            return reactor.core.publisher.Mono.justOrEmpty(value);
        }

        static Object flux(@Nullable Object value) {
            return value == null ? reactor.core.publisher.Flux.empty() : reactor.core.publisher.Flux.fromIterable((List<?>) value);
        }

        static Object monoLater(java.util.function.Supplier<CompletableFuture<Object>> later) {
            return reactor.core.publisher.Mono.fromFuture(later, true);
        }

        static Object fluxLater(java.util.function.Supplier<CompletableFuture<Object>> later) {
            return reactor.core.publisher.Mono.fromFuture(later, true)
                    .flatMapMany(list -> reactor.core.publisher.Flux.fromIterable((List<?>) list));
        }

        @SuppressWarnings("unchecked")
        static CompletableFuture<Object> monoToFuture(Object mono) {
            return ((reactor.core.publisher.Mono<Object>) mono).toFuture();
        }

        @SuppressWarnings("unchecked")
        static CompletableFuture<Object> fluxToFuture(Object flux) {
            return ((reactor.core.publisher.Flux<Object>) flux).collectList().map(l -> (Object) l).toFuture();
        }

        @SuppressWarnings("unchecked")
        static Object monoAfterSuccess(Object mono, Consumer<@Nullable Object> action) {
            return ((reactor.core.publisher.Mono<Object>) mono).doOnSuccess(action::accept);
        }

        @SuppressWarnings("unchecked")
        static Object fluxAfterSuccess(Object flux, Consumer<@Nullable Object> action) {
            return ((reactor.core.publisher.Flux<Object>) flux).doOnComplete(() -> action.accept(null));
        }
    }
}

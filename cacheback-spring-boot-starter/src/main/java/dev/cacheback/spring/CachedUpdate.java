package dev.cacheback.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.expression.Expression;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;

/**
 * One {@link CachedPut @CachedPut}, {@link CachedInvalidate @CachedInvalidate} or
 * {@link CachedDelete @CachedDelete} on a method: after the method returns normally, stores, invalidates
 * or deletes the entry of the named {@link Cached @Cached} method. Thread-safe.
 */
final class CachedUpdate {

    enum Action {
        PUT("@CachedPut"), INVALIDATE("@CachedInvalidate"), DELETE("@CachedDelete");

        final String annotation;

        Action(String annotation) {
            this.annotation = annotation;
        }
    }

    private final Action action;
    private final String job;
    private final Method method;
    private final ReturnKind kind;
    private final MethodExpressions expressions;
    private final @Nullable Expression key;
    private final @Nullable Expression condition;
    private final @Nullable Expression unless;
    private final CachedMethodRegistry registry;

    CachedUpdate(Action action, String job, String key, String condition, String unless, Method method,
            MethodExpressions expressions, CachedMethodRegistry registry) {
        this.action = action;
        this.job = job;
        this.method = method;
        this.expressions = expressions;
        this.registry = registry;
        if (job.isBlank()) {
            throw new IllegalStateException(action.annotation + " on " + MethodJob.describe(method)
                    + " names no job: give the name of a @Cached method, e.g. job = \"QuoteService.quote\"");
        }
        if (action == Action.PUT) {
            this.kind = ReturnKind.of(method, action.annotation);
            if (kind == ReturnKind.FLUX) {
                throw new IllegalStateException("@CachedPut method " + MethodJob.describe(method) + " returns a Flux, whose "
                        + "elements arrive one by one: return Mono<List<T>> to store a list");
            }
        } else {
            this.kind = kindOrValue(method);
        }
        this.key = expressions.parse("key", key);
        this.condition = expressions.parse("condition", condition);
        this.unless = expressions.parse("unless", unless);
    }

    private static ReturnKind kindOrValue(Method method) {
        Class<?> raw = method.getReturnType();
        if (raw == void.class) {
            return ReturnKind.VALUE;
        }
        try {
            return ReturnKind.of(method, "");
        } catch (IllegalStateException notCacheable) {
            return ReturnKind.VALUE;              // invalidate / delete act after any normal return
        }
    }

    Action action() {
        return action;
    }

    String jobName() {
        return job;
    }

    /**
     * Checks what can be checked once every bean exists: that the target exists and, without a
     * {@code key}, takes this method's arguments; for a put, that the value fits.
     *
     * @throws IllegalStateException naming the method and the fix
     */
    void verify() {
        MethodJob target = target();
        if (key == null) {
            Class<?>[] own = method.getParameterTypes();
            Class<?>[] theirs = target.method().getParameterTypes();
            boolean fits = own.length == theirs.length;
            for (int i = 0; fits && i < own.length; i++) {
                fits = ClassUtils.isAssignable(ClassUtils.resolvePrimitiveIfNecessary(theirs[i]),
                        ClassUtils.resolvePrimitiveIfNecessary(own[i]));
            }
            if (!fits) {
                throw new IllegalStateException(action.annotation + " on " + MethodJob.describe(method) + " has no key, so its "
                        + "arguments must be those of " + job + " (" + MethodJob.describe(target.method()) + "): give key = "
                        + "\"…\" selecting the entry, e.g. key = \"#p0\"");
            }
        }
        if (action == Action.PUT) {
            Class<?> value = ClassUtils.resolvePrimitiveIfNecessary(
                    org.springframework.core.ResolvableType.forType(kind.valueType(method, action.annotation)).toClass());
            Class<?> wanted = ClassUtils.resolvePrimitiveIfNecessary(target.valueClass());
            if (!wanted.isAssignableFrom(value)) {
                throw new IllegalStateException("@CachedPut method " + MethodJob.describe(method) + " returns "
                        + value.getName() + " but " + job + " caches " + target.valueType().getTypeName()
                        + ": return the cached type");
            }
        }
    }

    private MethodJob target() {
        MethodJob target = registry.byName(job);
        if (target == null) {
            throw new IllegalStateException(action.annotation + " on " + MethodJob.describe(method) + " names job \"" + job
                    + "\", but no @Cached method has that name; cached methods: " + new java.util.TreeSet<>(registry.names()));
        }
        return target;
    }

    /** The method's result, with this update applied once it completes normally. */
    @Nullable Object afterReturning(Object bean, Object[] args, @Nullable Object returned) {
        return kind.afterSuccess(returned, value -> apply(bean, args, value));
    }

    private void apply(Object bean, Object[] args, @Nullable Object result) {
        if (condition != null && !expressions.test(condition, "condition", bean, args, result, true)) {
            return;
        }
        if (unless != null && expressions.test(unless, "unless", bean, args, result, true)) {
            return;
        }
        MethodJob target = target();
        if (key != null && target.hasKeyExpression()) {
            Object keyValue = expressions.value(key, "key", bean, args, result, true);
            MethodJob.KeyValue selected = new MethodJob.KeyValue(keyValue, false);
            switch (action) {
                case PUT -> target.set(selected, result);
                case INVALIDATE -> target.markStale(keyValue);
                case DELETE -> target.delete(selected);
            }
            return;
        }
        Object[] targetArgs = key == null ? args : targetArgs(target, expressions.value(key, "key", bean, args, result, true));
        List<byte[]> encoded = target.encode(targetArgs);
        switch (action) {
            case PUT -> target.set(encoded, result);
            case INVALIDATE -> target.invalidate(encoded);
            case DELETE -> target.delete(encoded);
        }
    }

    /** A key value as the arguments of a target without a key expression. */
    private Object[] targetArgs(MethodJob target, @Nullable Object value) {
        int count = target.method().getParameterCount();
        if (count == 1) {
            return value instanceof Object[] array && array.length == 1 ? array : new Object[] {value};
        }
        if (value instanceof Object[] array) {
            return array;
        }
        if (value instanceof Collection<?> list && count != 1) {
            return list.toArray();
        }
        throw new IllegalStateException(action.annotation + "(key = \"" + key.getExpressionString() + "\") on "
                + MethodJob.describe(method) + " gave " + value + ", but " + job + " takes " + count
                + " arguments: give them as an array or list, e.g. key = \"{#symbol, #day}\"");
    }
}

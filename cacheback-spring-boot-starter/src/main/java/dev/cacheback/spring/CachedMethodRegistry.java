package dev.cacheback.spring;

import org.jspecify.annotations.Nullable;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The jobs of every {@link Cached @Cached} method in the application context, by name and by
 * (bean class, method): two bean classes inheriting one annotated method have a job each; and the
 * {@link CachedPut @CachedPut} / {@link CachedInvalidate @CachedInvalidate} /
 * {@link CachedDelete @CachedDelete} updates of each method. Thread-safe.
 */
final class CachedMethodRegistry {

    /** What a call of one method does: go through a job, or apply updates after it returns. */
    record Handler(@Nullable MethodJob job, List<CachedUpdate> updates) {
    }

    private final ConcurrentHashMap<String, MethodJob> byName = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Class<?>, Map<Method, Handler>> byClass = new ConcurrentHashMap<>();
    private final List<CachedUpdate> updates = new CopyOnWriteArrayList<>();

    void add(Class<?> beanClass, MethodJob job) {
        byName.put(job.name(), job);
        byClass.computeIfAbsent(beanClass, c -> new ConcurrentHashMap<>()).put(job.method(), new Handler(job, List.of()));
    }

    void addUpdates(Class<?> beanClass, Method method, List<CachedUpdate> methodUpdates) {
        byClass.computeIfAbsent(beanClass, c -> new ConcurrentHashMap<>()).put(method, new Handler(null, List.copyOf(methodUpdates)));
        updates.addAll(methodUpdates);
    }

    @Nullable MethodJob byName(String name) {
        return byName.get(name);
    }

    /** The job of {@code method} on a bean of {@code beanClass} (its user class, not a proxy's). */
    @Nullable MethodJob byMethod(Class<?> beanClass, Method method) {
        Handler handler = handler(beanClass, method);
        return handler == null ? null : handler.job();
    }

    /** What calls of {@code method} on a bean of {@code beanClass} do, or {@code null} when nothing. */
    @Nullable Handler handler(Class<?> beanClass, Method method) {
        Map<Method, Handler> handlers = byClass.get(beanClass);
        return handlers == null ? null : handlers.get(method);
    }

    Set<String> names() {
        return Collections.unmodifiableSet(byName.keySet());
    }

    Collection<MethodJob> all() {
        return Collections.unmodifiableCollection(byName.values());
    }

    List<CachedUpdate> updates() {
        return Collections.unmodifiableList(updates);
    }
}

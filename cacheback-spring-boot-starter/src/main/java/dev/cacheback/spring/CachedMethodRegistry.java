package dev.cacheback.spring;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The jobs of every {@link Cacheback @Cacheback} method in the application context, by name and by
 * (bean class, method): two bean classes inheriting one annotated method have a job each.
 */
final class CachedMethodRegistry {

    private final ConcurrentHashMap<String, MethodJob> byName = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Class<?>, Map<Method, MethodJob>> byClass = new ConcurrentHashMap<>();

    void add(Class<?> beanClass, MethodJob job) {
        byName.put(job.name(), job);
        byClass.computeIfAbsent(beanClass, c -> new ConcurrentHashMap<>()).put(job.method(), job);
    }

    MethodJob byName(String name) {
        return byName.get(name);
    }

    /** The job of {@code method} on a bean of {@code beanClass} (its user class, not a proxy's). */
    MethodJob byMethod(Class<?> beanClass, Method method) {
        Map<Method, MethodJob> jobs = byClass.get(beanClass);
        return jobs == null ? null : jobs.get(method);
    }

    Collection<MethodJob> all() {
        return Collections.unmodifiableCollection(byName.values());
    }
}

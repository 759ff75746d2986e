package dev.cacheback.spring;

import dev.cacheback.JobSettings;
import dev.cacheback.TaskOptions;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.framework.AbstractAdvisingBeanPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.Environment;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Proxies beans with {@link Cached @Cached}, {@link CachedPut @CachedPut},
 * {@link CachedInvalidate @CachedInvalidate} or {@link CachedDelete @CachedDelete} methods and creates
 * one {@link MethodJob} per cached method when the bean is created, so that a worker can refresh it by
 * name from then on. Owns the executor on which asynchronous methods' misses are fetched (a cached
 * pool of daemon threads named {@code cacheback-async-N}, created on first use, shut down with the
 * context).
 */
final class CachedMethodPostProcessor extends AbstractAdvisingBeanPostProcessor
        implements BeanFactoryAware, SmartInitializingSingleton, DisposableBean {

    private static final long serialVersionUID = 1L;

    private final transient ObjectProvider<dev.cacheback.Cacheback> runtime;
    private final transient CachedMethodRegistry registry;
    private transient ConfigurableBeanFactory beanFactory;
    private final transient AsyncExecutor executor = new AsyncExecutor();
    /** {@code cacheback.jobs.*} as bound, on first use. */
    private transient volatile Map<String, CachebackProperties.JobProperties> jobProperties;
    /** The job names of {@code cacheback.jobs.*} that a {@code @Cached} method took settings from. */
    private final transient java.util.Set<String> configuredJobs = ConcurrentHashMap.newKeySet();
    /** Every {@code @Cached} job's name, for the error naming an unknown one. */
    private final transient java.util.Set<String> configuredNames = ConcurrentHashMap.newKeySet();

    CachedMethodPostProcessor(ObjectProvider<dev.cacheback.Cacheback> runtime, CachedMethodRegistry registry) {
        this.runtime = runtime;
        this.registry = registry;
        StaticMethodMatcherPointcut pointcut = new StaticMethodMatcherPointcut() {
            @Override
            public boolean matches(Method method, Class<?> targetClass) {
                Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, targetClass));
                return isAnnotated(specific);
            }
        };
        this.advisor = new DefaultPointcutAdvisor(pointcut, new Interceptor(registry, executor));
        setProxyTargetClass(true);
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        if (beanFactory instanceof ConfigurableBeanFactory configurable) {
            this.beanFactory = configurable;
        }
    }

    private static boolean isAnnotated(Method method) {
        return AnnotatedElementUtils.hasAnnotation(method, Cached.class) || AnnotatedElementUtils.hasAnnotation(method, CachedPut.class)
                || AnnotatedElementUtils.hasAnnotation(method, CachedInvalidate.class)
                || AnnotatedElementUtils.hasAnnotation(method, CachedDelete.class);
    }

    /** Checks every put / invalidate / delete against its target, once all singletons exist. */
    @Override
    public void afterSingletonsInstantiated() {
        registry.updates().forEach(CachedUpdate::verify);
        List<String> unused = new ArrayList<>(jobProperties().keySet());
        unused.removeAll(configuredJobs);
        if (!unused.isEmpty()) {
            throw new IllegalStateException("cacheback.jobs names " + unused + ", but no @Cached method has "
                    + (unused.size() == 1 ? "that name" : "those names") + "; @Cached jobs here: " + new java.util.TreeSet<>(configuredNames)
                    + ". Write the job's name in brackets when it has dots (cacheback.jobs[QuoteService.quote].lifetime=1m); "
                    + "a Job class takes its settings from its constructor, not from properties");
        }
    }

    @Override
    public void destroy() {
        executor.shutdown();
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> beanClass = AopProxyUtils.ultimateTargetClass(bean);
        if (Modifier.isFinal(beanClass.getModifiers()) && isEligible(bean, beanName)) {
            throw new IllegalStateException("Bean '" + beanName + "' (" + beanClass.getName() + ") has @Cached, @CachedPut, @CachedInvalidate or @CachedDelete methods "
                    + "but its class is final, so it cannot be proxied: make it non-final");
        }
        Object result = super.postProcessAfterInitialization(bean, beanName);
        if (result != bean || isEligible(bean, beanName)) {
            registerJobs(result, beanName);
        }
        return result;
    }

    private void registerJobs(Object proxy, String beanName) {
        Class<?> targetClass = ClassUtils.getUserClass(AopProxyUtils.ultimateTargetClass(proxy));
        Map<Method, Boolean> methods = MethodIntrospector.selectMethods(targetClass,
                (MethodIntrospector.MetadataLookup<Boolean>) m -> isAnnotated(m) ? Boolean.TRUE : null);
        if (methods.isEmpty()) {
            return;
        }
        Map<Method, Boolean> ordered = new LinkedHashMap<>(methods);
        ordered.keySet().forEach(method -> {
            Cached cached = AnnotatedElementUtils.findMergedAnnotation(method, Cached.class);
            List<CachedUpdate> updates = updates(method);
            String annotation = cached != null ? "@Cached" : updates.get(0).action().annotation;
            int modifiers = method.getModifiers();
            if (!Modifier.isPublic(modifiers) || Modifier.isFinal(modifiers) || Modifier.isStatic(modifiers)) {
                throw new IllegalStateException(annotation + " method " + MethodJob.describe(method)
                        + " must be public, non-final and non-static so that calls through the bean's proxy reach it");
            }
            if (cached == null) {
                registry.addUpdates(targetClass, method, updates);
                return;
            }
            if (!updates.isEmpty()) {
                throw new IllegalStateException("@Cached method " + MethodJob.describe(method) + " also has "
                        + updates.get(0).action().annotation + ": a cached method's call may not run, so put the update on "
                        + "the method that changes the data");
            }
            registry.add(targetClass, job(targetClass, method, cached, proxy, beanName));
        });
    }

    private MethodJob job(Class<?> targetClass, Method method, Cached annotation, Object proxy, String beanName) {
        JobSettings settings = settings(targetClass, method, annotation);
        String name = settings.name().orElseThrow();
        MethodJob existing = registry.byName(name);
        if (existing != null) {
            throw new IllegalStateException("Two @Cached methods are named \"" + name + "\": "
                    + MethodJob.describe(existing.method()) + " (bean '" + existing.beanName() + "') and "
                    + MethodJob.describe(method) + " (bean '" + beanName + "'). Give one of them @Cached(name = \"…\"); "
                    + "@Cached is for singleton beans");
        }
        ReturnKind kind = ReturnKind.of(method, "@Cached");
        java.lang.reflect.Type valueType = kind.valueType(method, "@Cached");
        if (!annotation.fetchOnMiss() && method.getReturnType().isPrimitive()) {
            throw new IllegalStateException("@Cached(fetchOnMiss = false) on " + MethodJob.describe(method)
                    + " would return null on a miss, but the method returns " + method.getReturnType()
                    + ": return its wrapper type instead");
        }
        Duration nullLifetime;
        try {
            nullLifetime = duration(annotation.nullLifetime(), "nullLifetime", method);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Invalid @Cached on " + MethodJob.describe(method) + ": " + e.getMessage(), e);
        }
        if (nullLifetime != null && nullLifetime.isNegative()) {
            throw new IllegalStateException("Invalid @Cached on " + MethodJob.describe(method) + ": nullLifetime must not be negative, not "
                    + nullLifetime);
        }
        return new MethodJob(runtime.getObject(), settings, method, proxy, beanName, kind, valueType,
                new MethodExpressions("@Cached", method, beanFactory), annotation, nullLifetime);
    }

    private List<CachedUpdate> updates(Method method) {
        List<CachedUpdate> updates = new ArrayList<>();
        CachedPut put = AnnotatedElementUtils.findMergedAnnotation(method, CachedPut.class);
        if (put != null) {
            updates.add(new CachedUpdate(CachedUpdate.Action.PUT, resolve(put.job()), put.key(), put.condition(), put.unless(),
                    method, new MethodExpressions("@CachedPut", method, beanFactory), registry));
        }
        CachedInvalidate invalidate = AnnotatedElementUtils.findMergedAnnotation(method, CachedInvalidate.class);
        if (invalidate != null) {
            updates.add(new CachedUpdate(CachedUpdate.Action.INVALIDATE, resolve(invalidate.job()), invalidate.key(),
                    invalidate.condition(), "", method, new MethodExpressions("@CachedInvalidate", method, beanFactory), registry));
        }
        CachedDelete delete = AnnotatedElementUtils.findMergedAnnotation(method, CachedDelete.class);
        if (delete != null) {
            updates.add(new CachedUpdate(CachedUpdate.Action.DELETE, resolve(delete.job()), delete.key(), delete.condition(), "",
                    method, new MethodExpressions("@CachedDelete", method, beanFactory), registry));
        }
        return updates;
    }

    private JobSettings settings(Class<?> targetClass, Method method, Cached annotation) {
        JobSettings.Builder b = JobSettings.builder();
        String name = resolve(annotation.name());
        String jobName = name.isEmpty() ? targetClass.getSimpleName() + "." + method.getName() : name;
        configuredNames.add(jobName);
        CachebackProperties.JobProperties p = jobProperties().get(jobName);
        if (p != null) {
            configuredJobs.add(jobName);
        } else {
            p = new CachebackProperties.JobProperties();
        }
        try {
            b.name(jobName);
            Duration lifetime = or(p.getLifetime(), annotation.lifetime(), "lifetime", method);
            if (lifetime != null) {
                b.lifetime(lifetime);
            }
            Duration refreshTimeout = or(p.getRefreshTimeout(), annotation.refreshTimeout(), "refreshTimeout", method);
            if (refreshTimeout != null) {
                b.refreshTimeout(refreshTimeout);
            }
            Duration cacheTtl = or(p.getCacheTtl(), annotation.cacheTtl(), "cacheTtl", method);
            if (cacheTtl != null) {
                b.cacheTtl(cacheTtl);
            }
            Duration threshold = or(p.getFetchOnStaleThreshold(), annotation.fetchOnStaleThreshold(), "fetchOnStaleThreshold", method);
            if (threshold != null) {
                b.fetchOnStaleThreshold(threshold);
            }
            Duration failSafe = or(p.getFailSafeMaxStaleness(), annotation.failSafeMaxStaleness(), "failSafeMaxStaleness", method);
            if (failSafe != null) {
                b.failSafeMaxStaleness(failSafe);
            }
            Duration soft = or(p.getSoftFetchTimeout(), annotation.softFetchTimeout(), "softFetchTimeout", method);
            if (soft != null) {
                b.softFetchTimeout(soft);
            }
            Duration hard = or(p.getHardFetchTimeout(), annotation.hardFetchTimeout(), "hardFetchTimeout", method);
            if (hard != null) {
                b.hardFetchTimeout(hard);
            }
            int failures = p.getSourceBreakerFailures() != null ? p.getSourceBreakerFailures() : annotation.sourceBreakerFailures();
            Duration window = or(p.getSourceBreakerWindow(), annotation.sourceBreakerWindow(), "sourceBreakerWindow", method);
            if (failures != 0) {
                b.sourceBreaker(failures, window != null ? window : Duration.ofSeconds(30));
            } else if (window != null) {
                throw new IllegalArgumentException("sourceBreakerWindow is set but sourceBreakerFailures is not: set both");
            }
            Duration[] backoff = backoffRange(resolve(annotation.refreshBackoff()), "refreshBackoff");
            if (p.getRefreshBackoffInitial() != null || p.getRefreshBackoffMax() != null) {
                if (p.getRefreshBackoffInitial() == null || p.getRefreshBackoffMax() == null) {
                    throw new IllegalArgumentException("set both cacheback.jobs[" + jobName + "].refresh-backoff-initial and "
                            + "refresh-backoff-max, or neither");
                }
                backoff = new Duration[] {p.getRefreshBackoffInitial(), p.getRefreshBackoffMax()};
            }
            if (backoff != null) {
                b.refreshBackoff(backoff[0], backoff[1]);
            }
            Double beta = p.getEarlyRefreshBeta() != null ? p.getEarlyRefreshBeta()
                    : number(annotation.earlyRefreshBeta(), "earlyRefreshBeta");
            if (beta != null) {
                b.earlyRefreshBeta(beta);
            }
            Double ahead = p.getRefreshAhead() != null ? p.getRefreshAhead() : number(annotation.refreshAhead(), "refreshAhead");
            if (ahead != null) {
                b.refreshAhead(ahead);
            }
            b.fetchOnMiss(p.getFetchOnMiss() != null ? p.getFetchOnMiss() : annotation.fetchOnMiss());
            String alias = resolve(annotation.cacheAlias());
            if (!alias.isEmpty()) {
                b.cacheAlias(alias);
            }
            if (annotation.taskOptions().length > 0) {
                b.taskOptions(taskOptions(annotation.taskOptions(), method));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Invalid @Cached on " + MethodJob.describe(method)
                    + (configuredJobs.contains(jobName) ? " (with cacheback.jobs[" + jobName + "].*)" : "") + ": " + e.getMessage(), e);
        }
        return b.build();
    }

    /** A property's value when set, else the annotation attribute's. */
    private Duration or(Duration property, String attribute, String attributeName, Method method) {
        return property != null ? property : duration(attribute, attributeName, method);
    }

    /** {@code initial..max} as two durations; {@code null} for empty text. */
    private static Duration[] backoffRange(String text, String what) {
        if (text == null || text.isBlank()) {
            return null;
        }
        int dots = text.indexOf("..");
        if (dots <= 0 || dots + 2 >= text.length()) {
            throw new IllegalArgumentException(what + " \"" + text + "\" must be written initial..max, for example 5s..5m");
        }
        return new Duration[] {parseDuration(text.substring(0, dots).trim(), what),
                parseDuration(text.substring(dots + 2).trim(), what)};
    }

    private Double number(String text, String attribute) {
        String resolved = resolve(text);
        if (resolved.isEmpty()) {
            return null;
        }
        try {
            return Double.valueOf(resolved);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(attribute + " \"" + resolved + "\" is not a number (write 1, 0.5 or 0)");
        }
    }

    /** {@code cacheback.jobs.*}, bound once from the environment. */
    private Map<String, CachebackProperties.JobProperties> jobProperties() {
        Map<String, CachebackProperties.JobProperties> bound = jobProperties;
        if (bound == null) {
            bound = Map.of();
            if (beanFactory != null && beanFactory.containsBean("environment")) {
                Environment environment = beanFactory.getBean("environment", Environment.class);
                bound = Binder.get(environment).bind("cacheback.jobs",
                        Bindable.mapOf(String.class, CachebackProperties.JobProperties.class)).orElse(Map.of());
            }
            jobProperties = bound;
        }
        return bound;
    }

    private TaskOptions taskOptions(String[] options, Method method) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (String option : options) {
            String resolved = resolve(option);
            int eq = resolved.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("task option \"" + resolved + "\" must be written name=value");
            }
            String key = resolved.substring(0, eq).trim();
            String value = resolved.substring(eq + 1).trim();
            map.put(key, key.equals("delay") || key.equals("expiration") ? parseDuration(value, key) : value);
        }
        return TaskOptions.fromMap(map);
    }

    private Duration duration(String text, String attribute, Method method) {
        String resolved = resolve(text);
        return resolved.isEmpty() ? null : parseDuration(resolved, attribute);
    }

    private static Duration parseDuration(String text, String attribute) {
        try {
            return DurationStyle.detectAndParse(text, ChronoUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(attribute + " \"" + text + "\" is not a duration (write 10s, 5m, 500ms, PT10M "
                    + "or a number of seconds)");
        }
    }

    private String resolve(String value) {
        if (value.isEmpty() || beanFactory == null) {
            return value;
        }
        String resolved = beanFactory.resolveEmbeddedValue(value);
        return resolved == null ? "" : resolved.trim();
    }

    /** The executor of asynchronous methods' fetches: a cached pool of daemon threads, created on first use. */
    private static final class AsyncExecutor implements java.util.concurrent.Executor {
        private final AtomicInteger threads = new AtomicInteger();
        private volatile ExecutorService pool;

        @Override
        public void execute(Runnable command) {
            ExecutorService p = pool;
            if (p == null) {
                synchronized (this) {
                    p = pool;
                    if (p == null) {
                        p = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                            Thread t = new Thread(r, "cacheback-async-" + threads.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
                        pool = p;
                    }
                }
            }
            p.execute(command);
        }

        synchronized void shutdown() {
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    /** Sends calls of annotated methods to their jobs, and applies updates after they return. */
    private static final class Interceptor implements MethodInterceptor {
        private static final Object NONE = new Object();
        private final CachedMethodRegistry registry;
        private final java.util.concurrent.Executor executor;
        /** Per class of target instance, per invoked method: its handler or {@link #NONE}. */
        private final ConcurrentHashMap<Class<?>, ConcurrentHashMap<Method, Object>> resolved = new ConcurrentHashMap<>();

        Interceptor(CachedMethodRegistry registry, java.util.concurrent.Executor executor) {
            this.registry = registry;
            this.executor = executor;
        }

        @Override
        public Object invoke(MethodInvocation invocation) throws Throwable {
            if (MethodJob.BYPASS.get() != null) {
                MethodJob.BYPASS.remove();     // the job's own fetch: call the method
                return invocation.proceed();
            }
            Object target = invocation.getThis();
            if (target == null) {
                return invocation.proceed();
            }
            Method called = invocation.getMethod();
            Class<?> targetClass = target.getClass();
            ConcurrentHashMap<Method, Object> methods = resolved.get(targetClass);
            if (methods == null) {
                methods = resolved.computeIfAbsent(targetClass, c -> new ConcurrentHashMap<>());
            }
            Object found = methods.get(called);
            if (found == null) {
                found = methods.computeIfAbsent(called, m -> lookup(m, targetClass));
            }
            if (!(found instanceof CachedMethodRegistry.Handler handler)) {
                return invocation.proceed();
            }
            Object[] args = invocation.getArguments();
            MethodJob job = handler.job();
            if (job != null) {
                return job.cacheable(args) ? job.call(args, executor) : invocation.proceed();
            }
            Object result = invocation.proceed();
            for (CachedUpdate update : handler.updates()) {
                result = update.afterReturning(target, args, result);
            }
            return result;
        }

        private Object lookup(Method called, Class<?> targetClass) {
            Class<?> userClass = ClassUtils.getUserClass(targetClass);
            Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(called, userClass));
            CachedMethodRegistry.Handler handler = registry.handler(userClass, specific);
            return handler != null ? handler : NONE;
        }
    }
}

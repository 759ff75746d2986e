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
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Proxies beans with {@link Cacheback @Cacheback} methods and creates one {@link MethodJob} per
 * method when the bean is created, so that a worker can refresh it by name from then on.
 */
final class CachedMethodPostProcessor extends AbstractAdvisingBeanPostProcessor implements BeanFactoryAware {

    private static final long serialVersionUID = 1L;

    private final transient ObjectProvider<dev.cacheback.Cacheback> runtime;
    private final transient CachedMethodRegistry registry;
    private transient ConfigurableBeanFactory beanFactory;

    CachedMethodPostProcessor(ObjectProvider<dev.cacheback.Cacheback> runtime, CachedMethodRegistry registry) {
        this.runtime = runtime;
        this.registry = registry;
        StaticMethodMatcherPointcut pointcut = new StaticMethodMatcherPointcut() {
            @Override
            public boolean matches(Method method, Class<?> targetClass) {
                Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, targetClass));
                return AnnotatedElementUtils.hasAnnotation(specific, Cacheback.class);
            }
        };
        this.advisor = new DefaultPointcutAdvisor(pointcut, new Interceptor(registry));
        setProxyTargetClass(true);
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        if (beanFactory instanceof ConfigurableBeanFactory configurable) {
            this.beanFactory = configurable;
        }
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Class<?> beanClass = AopProxyUtils.ultimateTargetClass(bean);
        if (Modifier.isFinal(beanClass.getModifiers()) && isEligible(bean, beanName)) {
            throw new IllegalStateException("Bean '" + beanName + "' (" + beanClass.getName() + ") has @Cacheback methods "
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
        Map<Method, Cacheback> methods = MethodIntrospector.selectMethods(targetClass,
                (MethodIntrospector.MetadataLookup<Cacheback>) m -> AnnotatedElementUtils.findMergedAnnotation(m, Cacheback.class));
        if (methods.isEmpty()) {
            return;
        }
        dev.cacheback.Cacheback cacheback = runtime.getObject();
        Map<Method, Cacheback> ordered = new LinkedHashMap<>(methods);
        ordered.forEach((method, annotation) -> {
            int modifiers = method.getModifiers();
            if (!Modifier.isPublic(modifiers) || Modifier.isFinal(modifiers) || Modifier.isStatic(modifiers)) {
                throw new IllegalStateException("@Cacheback method " + MethodJob.describe(method)
                        + " must be public, non-final and non-static so that calls through the bean's proxy reach it");
            }
            JobSettings settings = settings(targetClass, method, annotation);
            String name = settings.name().orElseThrow();
            MethodJob existing = registry.byName(name);
            if (existing != null) {
                throw new IllegalStateException("Two @Cacheback methods are named \"" + name + "\": "
                        + MethodJob.describe(existing.method()) + " (bean '" + existing.beanName() + "') and "
                        + MethodJob.describe(method) + " (bean '" + beanName + "'). Give one of them @Cacheback(name = \"…\"); "
                        + "@Cacheback is for singleton beans");
            }
            if (!annotation.fetchOnMiss() && method.getReturnType().isPrimitive()) {
                throw new IllegalStateException("@Cacheback(fetchOnMiss = false) on " + MethodJob.describe(method)
                        + " would return null on a miss, but the method returns " + method.getReturnType()
                        + ": return its wrapper type instead");
            }
            registry.add(targetClass, new MethodJob(cacheback, settings, method, proxy, beanName));
        });
    }

    private JobSettings settings(Class<?> targetClass, Method method, Cacheback annotation) {
        JobSettings.Builder b = JobSettings.builder();
        String name = resolve(annotation.name());
        try {
            b.name(name.isEmpty() ? targetClass.getSimpleName()
                    + "." + method.getName() : name);
            Duration lifetime = duration(annotation.lifetime(), "lifetime", method);
            if (lifetime != null) {
                b.lifetime(lifetime);
            }
            Duration refreshTimeout = duration(annotation.refreshTimeout(), "refreshTimeout", method);
            if (refreshTimeout != null) {
                b.refreshTimeout(refreshTimeout);
            }
            Duration cacheTtl = duration(annotation.cacheTtl(), "cacheTtl", method);
            if (cacheTtl != null) {
                b.cacheTtl(cacheTtl);
            }
            Duration threshold = duration(annotation.fetchOnStaleThreshold(), "fetchOnStaleThreshold", method);
            if (threshold != null) {
                b.fetchOnStaleThreshold(threshold);
            }
            b.fetchOnMiss(annotation.fetchOnMiss());
            String alias = resolve(annotation.cacheAlias());
            if (!alias.isEmpty()) {
                b.cacheAlias(alias);
            }
            if (annotation.taskOptions().length > 0) {
                b.taskOptions(taskOptions(annotation.taskOptions(), method));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Invalid @Cacheback on " + MethodJob.describe(method) + ": " + e.getMessage(), e);
        }
        return b.build();
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

    /** Sends calls of annotated methods to their jobs. */
    private static final class Interceptor implements MethodInterceptor {
        private static final Object NONE = new Object();
        private final CachedMethodRegistry registry;
        /** Per class of target instance, per invoked method: its job or {@link #NONE}. */
        private final ConcurrentHashMap<Class<?>, ConcurrentHashMap<Method, Object>> resolved = new ConcurrentHashMap<>();

        Interceptor(CachedMethodRegistry registry) {
            this.registry = registry;
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
            if (!(found instanceof MethodJob job)) {
                return invocation.proceed();
            }
            try {
                return job.get(job.encode(invocation.getArguments()));
            } catch (dev.cacheback.FetchException e) {
                throw declared(e, called);
            }
        }

        private Object lookup(Method called, Class<?> targetClass) {
            Class<?> userClass = ClassUtils.getUserClass(targetClass);
            Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(called, userClass));
            MethodJob job = registry.byMethod(userClass, specific);
            return job != null ? job : NONE;
        }

        /** The method's own checked exception, as a direct call would throw it, when the method declares it. */
        private static Throwable declared(dev.cacheback.FetchException e, Method method) {
            Throwable cause = e.getCause();
            if (cause != null) {
                for (Class<?> type : method.getExceptionTypes()) {
                    if (type.isInstance(cause)) {
                        return cause;
                    }
                }
            }
            return e;
        }
    }
}

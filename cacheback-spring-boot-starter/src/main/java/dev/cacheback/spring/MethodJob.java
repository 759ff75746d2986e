package dev.cacheback.spring;

import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.TypeRef;
import dev.cacheback.spi.Codec;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The job behind one {@link Cacheback @Cacheback} method. Its argument is the list of the method's
 * arguments, each encoded by the runtime's codec as the method's declared parameter type: the list
 * itself ({@code List<byte[]>}) is what the engine hashes into the key and puts in refresh tasks, so
 * a worker decodes every argument back to its declared type, with no class name in the payload.
 */
final class MethodJob extends Job<List<byte[]>, Object> {

    private static final TypeRef<List<byte[]>> ARGS = new TypeRef<>() {
    };

    /** Set by {@link #fetch} so that the call it makes through the bean's proxy reaches the method. */
    static final ThreadLocal<Method> BYPASS = new ThreadLocal<>();

    private final Method method;
    private final Method invoked;
    private final Type[] parameterTypes;
    private final Class<?>[] parameterClasses;
    private final Object proxy;
    private final String beanName;

    MethodJob(dev.cacheback.Cacheback cacheback, JobSettings settings, Method method, Object proxy, String beanName) {
        super(cacheback, settings, ARGS, TypeRef.ofType(valueType(method)));
        this.method = method;
        this.invoked = proxyMethod(method, proxy);
        ReflectionUtils.makeAccessible(this.invoked);
        this.parameterTypes = method.getGenericParameterTypes();
        this.parameterClasses = method.getParameterTypes();
        this.proxy = proxy;
        this.beanName = beanName;
    }

    private static Type valueType(Method method) {
        Class<?> raw = method.getReturnType();
        if (raw == void.class) {
            throw new IllegalStateException("@Cacheback method " + describe(method) + " returns void: there is nothing to cache");
        }
        return raw.isPrimitive() ? ClassUtils.resolvePrimitiveIfNecessary(raw) : method.getGenericReturnType();
    }

    private static Method proxyMethod(Method method, Object proxy) {
        if (method.getDeclaringClass().isInstance(proxy)) {
            return method;
        }
        return ClassUtils.getInterfaceMethodIfPossible(method, proxy.getClass());
    }

    static String describe(Method method) {
        return method.getDeclaringClass().getName() + "." + method.getName();
    }

    /** The annotated method. */
    Method method() {
        return method;
    }

    /** The name of the bean the method belongs to. */
    String beanName() {
        return beanName;
    }

    /** The method's declared parameter types. */
    Type[] parameterTypes() {
        return parameterTypes.clone();
    }

    /**
     * Encodes call arguments into the job's argument.
     *
     * @throws IllegalArgumentException when their number or types do not fit the method
     */
    List<byte[]> encode(Object[] args) {
        Object[] values = args == null ? new Object[0] : args;
        if (values.length != parameterTypes.length) {
            throw new IllegalArgumentException("Cached method " + name() + " takes " + parameterTypes.length
                    + " argument" + (parameterTypes.length == 1 ? "" : "s") + ", not " + values.length);
        }
        Codec codec = cacheback().codec();
        List<byte[]> encoded = new ArrayList<>(values.length);
        for (int i = 0; i < values.length; i++) {
            Object value = values[i];
            if (value == null && parameterClasses[i].isPrimitive()) {
                throw new IllegalArgumentException("Argument " + i + " of cached method " + name() + " is a "
                        + parameterClasses[i] + " and cannot be null");
            }
            if (value != null && !ClassUtils.resolvePrimitiveIfNecessary(parameterClasses[i]).isInstance(value)) {
                throw new IllegalArgumentException("Argument " + i + " of cached method " + name() + " must be a "
                        + parameterTypes[i].getTypeName() + ", not a " + value.getClass().getName());
            }
            encoded.add(codec.encode(value, parameterTypes[i]));
        }
        return Collections.unmodifiableList(encoded);
    }

    /** Decodes the job's argument into call arguments, each as its declared type. */
    Object[] decode(List<byte[]> args) {
        Objects.requireNonNull(args, "args");
        if (args.size() != parameterTypes.length) {
            throw new IllegalArgumentException("A task for cached method " + name() + " carries " + args.size()
                    + " arguments; the method takes " + parameterTypes.length);
        }
        Codec codec = cacheback().codec();
        Object[] values = new Object[args.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = codec.decode(args.get(i), parameterTypes[i]);
        }
        return values;
    }

    /** Calls the method through the bean's proxy (so other advice applies), past the cache. */
    @Override
    protected Object fetch(List<byte[]> args) throws Exception {
        Object[] values = decode(args);
        BYPASS.set(method);
        try {
            return invoked.invoke(proxy, values);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        } finally {
            BYPASS.remove();
        }
    }

    @Override
    public String toString() {
        return "MethodJob[" + name() + " -> " + beanName + "." + method.getName() + "]";
    }
}

package dev.cacheback.spring;

import dev.cacheback.FetchException;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.TypeRef;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.CodecException;
import org.jspecify.annotations.Nullable;
import org.springframework.expression.Expression;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The job behind one {@link Cached @Cached} method. Its argument is the list of the method's
 * arguments, each encoded by the runtime's codec as the method's declared parameter type: the list
 * itself ({@code List<byte[]>}) is what refresh tasks carry, so a worker decodes every argument back
 * to its declared type, with no class name in the payload. Without a {@link Cached#key() key
 * expression} the list is also what is hashed into the key; with one, the key is the job's name and a
 * hash of the codec's encoding of the expression's value (evaluated over the decoded arguments, so a
 * worker computes the same key). Its value type is the method's return type, or the {@code T} of a
 * {@code CompletableFuture<T>} / {@code Mono<T>} ({@code List<T>} for a {@code Flux<T>}).
 *
 * <p>Without a key expression, a call whose arguments are all immutable values ({@link ArgumentMemo}
 * says which) finds its encoded arguments and key in the method's {@link ArgumentMemo}: no Jackson and
 * no SHA-256 on a repeated call. The remembered key is the one the default computation gave for the
 * first of the equal calls, so keys stay byte-identical to those computed without the memo.
 */
final class MethodJob extends Job<List<byte[]>, Object> {

    private static final TypeRef<List<byte[]>> ARGS = new TypeRef<>() {
    };

    /** Set by {@link #fetch} so that the call it makes through the bean's proxy reaches the method. */
    static final ThreadLocal<Method> BYPASS = new ThreadLocal<>();

    /** Set while a caller of an asynchronous method reads the cache: a fetch it would need goes to the executor instead. */
    private static final ThreadLocal<MethodJob> ASYNC_CALLER = new ThreadLocal<>();

    private static final Object[] NO_ARGS = new Object[0];

    private final Method method;
    private final Method invoked;
    private final Type[] parameterTypes;
    private final Class<?>[] parameterClasses;
    private final Object proxy;
    private final String beanName;
    private final ReturnKind kind;
    private final MethodExpressions expressions;
    private final @Nullable Expression keyExpression;
    private final @Nullable Expression condition;
    private final @Nullable Expression unless;
    private final @Nullable Duration nullLifetime;
    /** Calls of immutable values → their encoded arguments with the key; {@code null} with a key expression. */
    private final @Nullable ArgumentMemo<Encoded> memo;
    private final java.util.function.Function<Object[], Encoded> encodeWithKey = this::encodeWithKey;

    MethodJob(dev.cacheback.Cacheback cacheback, JobSettings settings, Method method, Object proxy, String beanName,
            ReturnKind kind, Type valueType, MethodExpressions expressions, Cached annotation,
            @Nullable Duration nullLifetime) {
        super(cacheback, settings, ARGS, TypeRef.ofType(valueType));
        this.method = method;
        this.invoked = proxyMethod(method, proxy);
        ReflectionUtils.makeAccessible(this.invoked);
        this.parameterTypes = method.getGenericParameterTypes();
        this.parameterClasses = method.getParameterTypes();
        this.proxy = proxy;
        this.beanName = beanName;
        this.kind = kind;
        this.expressions = expressions;
        this.keyExpression = expressions.parse("key", annotation.key());
        this.condition = expressions.parse("condition", annotation.condition());
        this.unless = expressions.parse("unless", annotation.unless());
        this.nullLifetime = nullLifetime;
        this.memo = keyExpression == null ? new ArgumentMemo<>(ArgumentMemo.DEFAULT_CAPACITY) : null;
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

    /** How the method returns its value. */
    ReturnKind kind() {
        return kind;
    }

    /** Whether the method has a {@link Cached#key() key expression}. */
    boolean hasKeyExpression() {
        return keyExpression != null;
    }

    /** The raw class of the cached value. */
    Class<?> valueClass() {
        return org.springframework.core.ResolvableType.forType(valueType()).toClass();
    }

    /**
     * A call through the bean's proxy: the condition, then the cache. For an asynchronous method a
     * hit or a stale read is answered at once, and a fetch runs on {@code executor}.
     */
    Object call(Object[] args, Executor executor) throws Throwable {
        List<byte[]> encoded = callArgs(args);
        if (!kind.async()) {
            try {
                return get(encoded);
            } catch (FetchException e) {
                throw declared(e);
            }
        }
        Object value;
        ASYNC_CALLER.set(this);
        try {
            value = get(encoded);
        } catch (FetchLater later) {
            return kind.later(() -> fetchOn(executor, encoded));
        } finally {
            ASYNC_CALLER.remove();
        }
        return kind.wrap(value);
    }

    /** Whether a call with {@code args} goes through the cache: the {@link Cached#condition()}. */
    boolean cacheable(Object[] args) {
        return condition == null || expressions.test(condition, "condition", proxy, args, null, false);
    }

    private CompletableFuture<Object> fetchOn(Executor executor, List<byte[]> encoded) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    result.complete(get(encoded));
                } catch (FetchException e) {
                    result.completeExceptionally(e.getCause() != null ? e.getCause() : e);
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("Cached method " + name()
                    + " cannot fetch: the application context is closing", e));
        }
        return result;
    }

    /** The method's own checked exception, as a direct call would throw it, when the method declares it. */
    private Throwable declared(FetchException e) {
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

    /**
     * The job's argument for call arguments: from the memo when they are immutable values (with the
     * key already computed), else {@link #encode}d.
     *
     * @throws IllegalArgumentException when their number or types do not fit the method
     */
    List<byte[]> callArgs(Object @Nullable [] args) {
        ArgumentMemo<Encoded> m = memo;
        if (m == null) {
            return encode(args);
        }
        return m.get(args == null ? NO_ARGS : args, encodeWithKey);
    }

    private Encoded encodeWithKey(Object[] args) {
        List<byte[]> encoded = encode(args);
        return new Encoded(encoded, super.key(encoded));
    }

    /** Encoded call arguments with the key the default computation gave for them. */
    static final class Encoded extends AbstractList<byte[]> implements java.util.RandomAccess {
        private final List<byte[]> args;
        final String key;

        Encoded(List<byte[]> args, String key) {
            this.args = args;
            this.key = key;
        }

        @Override
        public byte[] get(int index) {
            return args.get(index);
        }

        @Override
        public int size() {
            return args.size();
        }
    }

    /** Decodes the job's argument into call arguments, each as its declared type. */
    Object[] decode(List<byte[]> args) {
        Objects.requireNonNull(args, "args");
        if (args instanceof KeyValue) {
            throw new IllegalStateException("Cached method " + name() + " was given only a key value, not its arguments");
        }
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

    /** A key the memo holds was made by the default computation: valid, so not checked again on each call. */
    @Override
    protected boolean checksKey(List<byte[]> args) {
        return !(args instanceof Encoded);
    }

    /**
     * The key: the default over the encoded arguments, or, with a key expression, the name and a hash
     * of the expression's value (given directly by a {@link KeyValue}).
     */
    @Override
    public String key(List<byte[]> args) {
        if (args instanceof KeyValue kv) {
            return keyOfValue(kv.value);
        }
        if (args instanceof Encoded e) {
            return e.key;
        }
        if (keyExpression == null) {
            return super.key(args);
        }
        return keyOfValue(keyValue(decode(args)));
    }

    /** The value of the key expression for call arguments. */
    @Nullable Object keyValue(Object[] args) {
        return expressions.value(Objects.requireNonNull(keyExpression), "key", proxy, args, null, false);
    }

    private String keyOfValue(@Nullable Object value) {
        byte[] bytes;
        try {
            bytes = cacheback().codec().encode(value, value == null ? Object.class : value.getClass());
        } catch (CodecException e) {
            throw new IllegalStateException("The key expression of cached method " + name() + " gave a "
                    + (value == null ? "null" : value.getClass().getName()) + " that the codec cannot encode: "
                    + e.getMessage() + ". Make the expression give a string, number or record", e);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return name() + ":" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An argument that carries only a key expression's value: for put and delete by key, and marking stale. */
    static final class KeyValue extends AbstractList<byte[]> {
        final @Nullable Object value;
        final boolean staleNow;

        KeyValue(@Nullable Object value, boolean staleNow) {
            this.value = value;
            this.staleNow = staleNow;
        }

        @Override
        public byte[] get(int index) {
            throw new IndexOutOfBoundsException(index);
        }

        @Override
        public int size() {
            return 0;
        }
    }

    /**
     * Marks the entry of a key expression's value stale (expiry now), if there is one: the next call
     * serves it and enqueues a refresh with its own arguments.
     */
    void markStale(@Nullable Object keyValue) {
        KeyValue stale = new KeyValue(keyValue, true);
        rawGet(stale).ifPresent(entry -> set(stale, entry.data()));
    }

    @Override
    protected Instant expiry(List<byte[]> args) {
        return args instanceof KeyValue kv && kv.staleNow ? now() : super.expiry(args);
    }

    @Override
    protected @Nullable Duration lifetimeFor(List<byte[]> args, @Nullable Object data) {
        if (data != null || nullLifetime == null || args instanceof KeyValue kv && kv.staleNow) {
            return null;
        }
        return nullLifetime;
    }

    @Override
    protected boolean shouldStore(List<byte[]> args, Object data) {
        return unless == null || !expressions.test(unless, "unless", proxy, decode(args), data, true);
    }

    @Override
    protected boolean shouldMissingItemBeFetchedSynchronously(List<byte[]> args) {
        boolean fetch = super.shouldMissingItemBeFetchedSynchronously(args);
        if (fetch && ASYNC_CALLER.get() == this) {
            throw FetchLater.INSTANCE;
        }
        return fetch;
    }

    @Override
    protected boolean shouldStaleItemBeFetchedSynchronously(Duration delta, List<byte[]> args) {
        boolean fetch = super.shouldStaleItemBeFetchedSynchronously(delta, args);
        if (fetch && ASYNC_CALLER.get() == this) {
            throw FetchLater.INSTANCE;
        }
        return fetch;
    }

    /** Thrown out of {@code get} in an asynchronous method's caller, where a fetch would block it. */
    private static final class FetchLater extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final FetchLater INSTANCE = new FetchLater();

        private FetchLater() {
            super("fetch on the executor", null, false, false);
        }
    }

    /**
     * Calls the method through the bean's proxy (so other advice applies), past the cache; for an
     * asynchronous method, awaits its value for at most the refresh timeout.
     */
    @Override
    protected Object fetch(List<byte[]> args) throws Exception {
        Object[] values = decode(args);
        Object returned;
        BYPASS.set(method);
        try {
            returned = invoked.invoke(proxy, values);
        } catch (InvocationTargetException e) {
            throw rethrow(e.getCause(), e);
        } finally {
            BYPASS.remove();
        }
        if (!kind.async()) {
            return returned;
        }
        Duration timeout = refreshTimeout();
        try {
            return kind.toFuture(returned).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause(), e);
        } catch (TimeoutException e) {
            throw new TimeoutException("Cached method " + name() + " did not complete within its refresh timeout ("
                    + timeout + "); raise refreshTimeout if it may take longer");
        }
    }

    private static Exception rethrow(@Nullable Throwable cause, Exception wrapper) {
        if (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof Exception ex) {
            return ex;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return wrapper;
    }

    @Override
    public String toString() {
        return "MethodJob[" + name() + " -> " + beanName + "." + method.getName() + "]";
    }
}

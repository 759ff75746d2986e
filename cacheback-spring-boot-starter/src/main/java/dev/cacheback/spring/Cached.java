package dev.cacheback.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Caches a bean method's results and refreshes them in the background: the seed's {@code @cacheback}
 * decorator, for Spring beans.
 * <pre>{@code
 * @Service
 * public class QuoteService {
 *     @Cached(lifetime = "5m")
 *     public Quote quote(String symbol) {
 *         return slowSource.load(symbol);           // runs on a miss, and in the worker on a refresh
 *     }
 * }
 * }</pre>
 *
 * <p>Each annotated method becomes one {@link dev.cacheback.Job}, named {@link #name()} or by default
 * {@code SimpleClassName.method}, registered with the runtime when the bean is created, so that a
 * worker of this application can refresh it by name. The method's arguments are the job's arguments:
 * each is encoded with the runtime's codec as the method's declared (generic) parameter type, so they
 * must be values the codec can round-trip (strings, numbers, records, {@code java.time} values,
 * collections of those). The return type is the job's value type.
 *
 * <p><b>Fast path for value arguments.</b> Without a {@link #key()} expression, a call whose arguments
 * are all immutable values ({@code null}, {@code String}, boxed primitives, exact {@code BigInteger}
 * and {@code BigDecimal}, {@code UUID}, enums, the value classes of {@code java.time}, and records
 * whose fields hold only those) finds its encoded arguments and its key in a memo of the method's
 * recent calls (32,768 calls per method, emptied when full): no codec and no hash on a repeated call.
 * Records are compared by class and field values, never by their own {@code equals}. Other arguments
 * (collections, arrays, beans) are encoded and hashed on every call. The key is the same either way.
 *
 * <p>Calls through the bean's proxy go through the job's {@code get}; a call from inside the same
 * bean ({@code this.quote(…)}) does not. Use {@link CachebackMethods} for {@code set},
 * {@code invalidate}, {@code delete}, {@code rawGet} and {@code refresh}.
 *
 * <p>Durations are written as {@code 10s}, {@code 5m}, {@code 500ms}, ISO-8601 ({@code PT10M}) or a
 * number of seconds, and may be {@code ${property}} placeholders. Empty means the default of
 * {@link dev.cacheback.JobSettings}.
 *
 * <p><b>Key, condition, unless.</b> {@link #key()} is a SpEL expression over the parameters
 * ({@code #symbol}, {@code #p0}, {@code #root.args}); its value, not the whole argument list, selects
 * the entry. The job's argument (what a refresh task carries) stays the full list of the method's
 * arguments, so a worker can still call the method; the first caller of a key is the one whose
 * arguments a refresh of that key uses. {@link #condition()} false calls the method directly and
 * caches nothing; {@link #unless()} true returns the result without storing it.
 *
 * <p><b>Return types.</b> A plain value (including {@code Optional} and collections) is cached as it
 * is. {@code CompletableFuture<T>} / {@code CompletionStage<T>} and Reactor's {@code Mono<T>} are
 * cached by their value {@code T}: a hit returns a completed future / {@code Mono.just} (or
 * {@code Mono.empty()} for {@code null}); a miss does not block the caller: the method is called on
 * the starter's executor and the future completes when its value is fetched and stored (one call per
 * key however many callers wait). A worker's refresh awaits the value, for at most the refresh
 * timeout. {@code Flux<T>} is collected and cached as a {@code List<T>}, replayed with
 * {@code Flux.fromIterable}: only for finite fluxes. {@code void}, {@code Future}, {@code Stream},
 * {@code Iterator}, other publishers and Kotlin {@code suspend} functions are refused at start-up.
 *
 * <p>Supported on public, non-final methods of singleton beans whose class is not final; checked
 * at start-up, with a message naming the method and the fix.
 *
 * @see CachedPut
 * @see CachedInvalidate
 * @see CachedDelete
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Cached {

    /** The job's name: the first part of its keys, and how workers find it. Default {@code SimpleClassName.method}. */
    String name() default "";

    /** How long fetched data stays fresh. Default 600 s. */
    String lifetime() default "";

    /** How long a refresh may take before another is tried. Default 60 s. */
    String refreshTimeout() default "";

    /** How long the cache keeps an entry, fresh or stale. Default 30 days. */
    String cacheTtl() default "";

    /** Whether a miss calls the method in the caller's thread; when false a miss returns {@code null} and refreshes in the background. Default true. */
    boolean fetchOnMiss() default true;

    /** Data older than this (from its fetch) is refreshed synchronously instead of served stale. Default: never. */
    String fetchOnStaleThreshold() default "";

    /** The named cache to use. Default: the runtime's default alias. */
    String cacheAlias() default "";

    /**
     * Stale-if-error: when a synchronous refresh of too-stale data fails, answer the stale data if it
     * went stale at most this long ago. Default: unset, the failure reaches the caller.
     */
    String failSafeMaxStaleness() default "";

    /** A read with stale data waits at most this long for its synchronous refresh, then answers the stale data. Default: unset, waits as long as the call takes. */
    String softFetchTimeout() default "";

    /**
     * A read waits at most this long for a synchronous call of the method, then throws
     * {@link dev.cacheback.FetchTimeoutException}; the call goes on and stores its result. Default:
     * unset, waits as long as the call takes.
     */
    String hardFetchTimeout() default "";

    /**
     * After this many calls in a row fail, the method is not called for {@link #sourceBreakerWindow()}:
     * stale data is served and misses fail fast ({@link dev.cacheback.SourceUnavailableException}).
     * Default 0: no breaker.
     */
    int sourceBreakerFailures() default 0;

    /** How long the source breaker stays open before one probing call. Default 30 s (used only with {@link #sourceBreakerFailures()}). */
    String sourceBreakerWindow() default "";

    /**
     * Per-key backoff after a failed refresh, as {@code initial..max} (for example {@code 5s..5m}):
     * the key goes stale again after {@code initial}, doubled after each further failure in a row,
     * jittered ±20 %, at most {@code max}; recorded in the entry so every process agrees. Default: unset,
     * a failed refresh is retried by the queue's retry policy.
     */
    String refreshBackoff() default "";

    /**
     * XFetch's β for early refresh on a hit, as a number ({@code "1"}, {@code "0.5"}; {@code "0"}
     * turns it off). Default: unset, the job default {@value dev.cacheback.JobSettings#DEFAULT_EARLY_REFRESH_BETA}.
     */
    String earlyRefreshBeta() default "";

    /**
     * Deterministic early refresh: a hit in the last fraction of the lifetime (for example
     * {@code "0.1"}) refreshes the entry in the background. Default: unset, off.
     */
    String refreshAhead() default "";

    /**
     * Negative caching: how long a {@code null} result (an empty {@code Optional} or {@code Mono})
     * stays fresh, for example {@code 30s} for "not found". Default: unset, the {@link #lifetime()}.
     */
    String nullLifetime() default "";

    /**
     * Options handed to the refresh queue, as {@code name=value}: {@code queue=fast},
     * {@code priority=5}, {@code delay=10s}, {@code expiration=PT1M}. Default none.
     */
    String[] taskOptions() default {};

    /**
     * A SpEL expression over the parameters whose value selects the cache entry instead of the full
     * argument list: {@code #symbol} (by parameter name, which needs {@code -parameters}, as Spring
     * Boot's build plugins set), {@code #p0} / {@code #a0} (by position), {@code #root.args},
     * {@code #root.methodName}. The value is encoded with the runtime's codec and hashed into the
     * key, so it must be a value the codec can encode. Default: the whole argument list.
     */
    String key() default "";

    /** A SpEL expression over the parameters; when it is false the method is called directly and nothing is cached. Default: always cache. */
    String condition() default "";

    /** A SpEL expression over the parameters and {@code #result} (the value, unwrapped from a future or {@code Mono}); when true the result is returned but not stored. Default: always store. */
    String unless() default "";
}

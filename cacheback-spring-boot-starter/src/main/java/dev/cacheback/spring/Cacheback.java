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
 *     @Cacheback(lifetime = "5m")
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
 * <p>Calls through the bean's proxy go through the job's {@code get}; a call from inside the same
 * bean ({@code this.quote(…)}) does not. Use {@link CachebackMethods} for {@code set},
 * {@code invalidate}, {@code delete}, {@code rawGet} and {@code refresh}.
 *
 * <p>Durations are written as {@code 10s}, {@code 5m}, {@code 500ms}, ISO-8601 ({@code PT10M}) or a
 * number of seconds, and may be {@code ${property}} placeholders. Empty means the default of
 * {@link dev.cacheback.JobSettings}.
 *
 * <p>Supported on public, non-final methods of singleton beans whose class is not final. It
 * lives in {@code dev.cacheback.spring}, so a class that
 * also needs the runtime type {@code dev.cacheback.Cacheback} refers to one of them by its full name.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Cacheback {

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
     * Options handed to the refresh queue, as {@code name=value}: {@code queue=fast},
     * {@code priority=5}, {@code delay=10s}, {@code expiration=PT1M}. Default none.
     */
    String[] taskOptions() default {};
}

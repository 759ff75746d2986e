package dev.cacheback.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * After the method returns normally (for a {@code CompletableFuture} / {@code CompletionStage} /
 * {@code Mono} / {@code Flux}: when it completes normally), invalidates the entry of a
 * {@link Cached @Cached} method: readers keep getting the current data while it is refreshed in the
 * background (DESIGN.md S6). Nothing happens when the method throws.
 * <pre>{@code
 * @CachedInvalidate(job = "QuoteService.quote", key = "#symbol")
 * public void priceChanged(String symbol, BigDecimal price) { … }
 * }</pre>
 *
 * <p><b>Which entry.</b> Without {@link #key()}, this method's arguments are the target's arguments
 * (same number, same types, checked at start-up). With {@code key}, its value selects the entry: when
 * the target has a {@link Cached#key() key expression}, it is compared with that expression's value;
 * otherwise it is the target's single argument, or an array / {@code List} of its arguments.
 *
 * <p><b>What invalidate does.</b> When this method gives the target's full arguments (no {@code key},
 * or a target without a key expression), the refresh task is enqueued at once. When it gives only a
 * key value of a target with a key expression, the arguments the refresh needs are unknown: the entry
 * is marked stale instead (its expiry set to now), and the next call serves it and enqueues the
 * refresh with its own arguments.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CachedInvalidate {

    /** The name of the {@link Cached @Cached} method whose entry is invalidated, e.g. {@code "QuoteService.quote"}. Required. */
    String job();

    /**
     * A SpEL expression over the parameters and {@code #result} selecting the entry (see the class
     * comment). Default: this method's arguments are the target's.
     */
    String key() default "";

    /** A SpEL expression over the parameters and {@code #result}; when false nothing is invalidated. Default: always. */
    String condition() default "";
}

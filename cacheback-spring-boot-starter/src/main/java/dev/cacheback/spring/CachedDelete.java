package dev.cacheback.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * After the method returns normally (for a {@code CompletableFuture} / {@code CompletionStage} /
 * {@code Mono} / {@code Flux}: when it completes normally), deletes the entry of a
 * {@link Cached @Cached} method (DESIGN.md S7): the next call is a miss. Spring Cache's
 * {@code @CacheEvict}. Nothing happens when the method throws.
 * <pre>{@code
 * @CachedDelete(job = "QuoteService.quote", key = "#symbol")
 * public void delist(String symbol) { … }
 * }</pre>
 *
 * <p>The entry is selected as for {@link CachedInvalidate} (see there).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CachedDelete {

    /** The name of the {@link Cached @Cached} method whose entry is deleted, e.g. {@code "QuoteService.quote"}. Required. */
    String job();

    /** A SpEL expression selecting the entry; see {@link CachedInvalidate#key()}. Default: this method's arguments are the target's. */
    String key() default "";

    /** A SpEL expression over the parameters and {@code #result}; when false nothing is deleted. Default: always. */
    String condition() default "";
}

package dev.cacheback.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Stores the method's return value as the fresh entry of a {@link Cached @Cached} method; the
 * annotated method always runs. Spring Cache's {@code @CachePut}.
 * <pre>{@code
 * @CachedPut(job = "QuoteService.quote", key = "#quote.symbol()")
 * public Quote save(Quote quote) { return repository.save(quote); }
 * }</pre>
 *
 * <p>The entry is selected as for {@link CachedInvalidate} (see there). The value stored is the
 * method's result, unwrapped from a {@code CompletableFuture} / {@code CompletionStage} / {@code Mono}
 * (stored when it completes); it must be an instance of the target's value type. Nothing is stored
 * when the method throws (or its future fails). A method cannot carry both this and {@link Cached}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CachedPut {

    /** The name of the {@link Cached @Cached} method whose entry is stored, e.g. {@code "QuoteService.quote"}. Required. */
    String job();

    /** A SpEL expression selecting the entry; see {@link CachedInvalidate#key()}. Default: this method's arguments are the target's. */
    String key() default "";

    /** A SpEL expression over the parameters and {@code #result}; when false nothing is stored. Default: always. */
    String condition() default "";

    /** A SpEL expression over the parameters and {@code #result}; when true nothing is stored. Default: never. */
    String unless() default "";
}

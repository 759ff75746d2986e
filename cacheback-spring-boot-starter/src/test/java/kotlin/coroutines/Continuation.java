package kotlin.coroutines;

/**
 * Stands in for Kotlin's {@code Continuation} (the last parameter of a {@code suspend} function's
 * Java signature) in tests, so that the starter's refusal of suspend functions is tested without
 * compiling Kotlin.
 */
public interface Continuation<T> {
}

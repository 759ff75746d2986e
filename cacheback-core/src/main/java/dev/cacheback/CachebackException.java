package dev.cacheback;

/** The root of every exception this library throws on purpose. Unchecked. */
public class CachebackException extends RuntimeException {

    public CachebackException(String message) {
        super(message);
    }

    public CachebackException(String message, Throwable cause) {
        super(message, cause);
    }
}

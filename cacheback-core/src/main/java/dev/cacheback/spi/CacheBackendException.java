package dev.cacheback.spi;

import dev.cacheback.CachebackException;

/** A {@link CacheBackend} could not carry out an operation: the server is unreachable, timed out or refused. */
public class CacheBackendException extends CachebackException {

    public CacheBackendException(String message, Throwable cause) {
        super(message, cause);
    }

    public CacheBackendException(String message) {
        super(message);
    }
}

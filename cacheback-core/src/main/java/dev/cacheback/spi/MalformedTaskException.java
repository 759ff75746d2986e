package dev.cacheback.spi;

import dev.cacheback.CachebackException;

/** Bytes taken from a queue are not a refresh task this library can read. Dead-letter or drop them. */
public class MalformedTaskException extends CachebackException {

    public MalformedTaskException(String message, Throwable cause) {
        super(message, cause);
    }
}

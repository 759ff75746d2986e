package dev.cacheback.spi;

import dev.cacheback.CachebackException;

/** A value or an argument could not be encoded, or bytes could not be decoded as the declared type. */
public class CodecException extends CachebackException {

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }

    public CodecException(String message) {
        super(message);
    }
}

package dev.cacheback.spi;

import dev.cacheback.CachebackException;

/** A {@link RefreshQueue} could not take a task: the broker is unreachable, refused it, or did not confirm in time. */
public class RefreshQueueException extends CachebackException {

    public RefreshQueueException(String message, Throwable cause) {
        super(message, cause);
    }

    public RefreshQueueException(String message) {
        super(message);
    }
}

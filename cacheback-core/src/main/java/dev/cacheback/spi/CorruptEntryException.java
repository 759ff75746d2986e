package dev.cacheback.spi;

/**
 * Bytes stored at a key are not an entry the job can read: written by another program, by an
 * incompatible version, or damaged. The engine logs it and treats the key as a miss; the next store
 * overwrites the bytes.
 */
public class CorruptEntryException extends CacheBackendException {

    private final String key;

    public CorruptEntryException(String key, Throwable cause) {
        super("Unreadable entry at key \"" + key + "\": " + (cause == null ? "unknown format" : cause.getMessage()), cause);
        this.key = key;
    }

    /** The key whose bytes could not be read. */
    public String key() {
        return key;
    }
}

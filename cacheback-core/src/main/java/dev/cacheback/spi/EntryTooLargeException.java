package dev.cacheback.spi;

/** The server refused an entry because its encoding is larger than the server's item size. */
public class EntryTooLargeException extends CacheBackendException {

    private final long entryBytes;
    private final long limitBytes;

    /**
     * @param entryBytes the size of the encoded entry
     * @param limitBytes the server's limit, or {@code -1} when unknown
     */
    public EntryTooLargeException(String backend, long entryBytes, long limitBytes, Throwable cause) {
        super("the entry (" + entryBytes + " bytes) exceeds " + backend + "'s item size"
                + (limitBytes > 0 ? " (" + limitBytes + " bytes)" : "")
                + "; store less per entry (split the value, or cache an id and a smaller view), or raise the "
                + "server's item size limit and the backend's matching setting (memcached: the server's -I option "
                + "and itemSizeLimit)", cause);
        this.entryBytes = entryBytes;
        this.limitBytes = limitBytes;
    }

    public long entryBytes() {
        return entryBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}

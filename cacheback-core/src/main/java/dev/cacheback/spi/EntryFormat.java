package dev.cacheback.spi;

import dev.cacheback.CacheEntry;

/**
 * The layout of an encoded entry's header, for backends that store bytes and must compare an
 * entry's version on the server (a Redis script) or in a compare-and-swap loop (memcached).
 *
 * <p>{@code 'C' 'B' format(1) flags(1) expirySeconds(8) expiryNanos(4) version(8) failures(4)
 * fetchMillis(4)}, big-endian, then the codec's bytes for the data. The version stays at
 * {@link #VERSION_OFFSET} in every format that has one. Format 2 (24-byte header) lacks the last two
 * fields and reads as 0 failures and an unknown fetch time. Format 1 (written before versions) has no
 * version field and a 16-byte header; it reads as version {@link CacheEntry#NO_ENTRY}.
 */
public final class EntryFormat {

    /** The format this library writes. */
    public static final byte FORMAT = 3;

    /** Bytes before the data in the current format. */
    public static final int HEADER_BYTES = 32;

    /** Bytes before the data in format 2, which this library still reads (and whose versions it compares). */
    public static final int HEADER_BYTES_2 = 24;

    /** Where the 8-byte big-endian version starts (0-based; a Lua script's {@code string.sub} starts at 17). */
    public static final int VERSION_OFFSET = 16;

    private EntryFormat() {
    }

    /**
     * The version of an encoded entry, or {@link CacheEntry#NO_ENTRY} when the bytes are absent, not
     * an entry of a format this library reads (2 or 3), or from format 1. A conditional write treats such bytes
     * as no entry, so a refresh that began on a miss (or on unreadable bytes) overwrites them.
     */
    public static long version(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER_BYTES_2 || bytes[0] != 'C' || bytes[1] != 'B'
                || (bytes[2] != FORMAT && bytes[2] != 2) || (bytes[2] == FORMAT && bytes.length < HEADER_BYTES)) {
            return CacheEntry.NO_ENTRY;
        }
        long v = 0;
        for (int i = VERSION_OFFSET; i < VERSION_OFFSET + 8; i++) {
            v = (v << 8) | (bytes[i] & 0xFF);
        }
        return v;
    }

    /** The 8 big-endian bytes of {@code version}, as stored at {@link #VERSION_OFFSET}. */
    public static byte[] versionBytes(long version) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) version;
            version >>>= 8;
        }
        return b;
    }
}

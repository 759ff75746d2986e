package dev.cacheback.internal;

import dev.cacheback.CacheEntry;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.CodecException;
import dev.cacheback.spi.EntryFormat;
import dev.cacheback.spi.EntryCodec;

import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The byte form of an entry ({@link EntryFormat}): {@code 'C' 'B' format(1) flags(1) epochSecond(8)
 * nano(4) version(8) failures(4) fetchMillis(4)} then the codec's bytes for the data (absent when the
 * data is null). The header lets bytes from other programs be recognised as foreign rather than
 * misread. Format 2 (24-byte header, no failures or fetch time) is still read, as 0 and 0; format 1
 * (16-byte header, no version) as version {@link CacheEntry#NO_ENTRY}.
 */
public final class EntryBytes<V> implements EntryCodec<V> {

    static final int HEADER = EntryFormat.HEADER_BYTES;
    private static final int HEADER_V1 = 16;
    private static final int HEADER_V2 = EntryFormat.HEADER_BYTES_2;
    private static final byte MAGIC_1 = 'C';
    private static final byte MAGIC_2 = 'B';
    private static final byte VERSION = EntryFormat.FORMAT;
    private static final byte HAS_DATA = 1;

    private final Codec codec;
    private final Type valueType;

    public EntryBytes(Codec codec, Type valueType) {
        this.codec = codec;
        this.valueType = valueType;
    }

    @Override
    public Type valueType() {
        return valueType;
    }

    @Override
    public byte[] encode(CacheEntry<V> entry) {
        byte[] data = entry.data() == null ? new byte[0] : codec.encode(entry.data(), valueType);
        ByteBuffer buffer = ByteBuffer.allocate(HEADER + data.length);
        buffer.put(MAGIC_1).put(MAGIC_2).put(VERSION).put(entry.data() == null ? 0 : HAS_DATA)
                .putLong(entry.expiry().getEpochSecond()).putInt(entry.expiry().getNano()).putLong(entry.version())
                .putInt(entry.failures()).putInt((int) Math.min(Integer.MAX_VALUE, entry.fetchMillis())).put(data);
        return buffer.array();
    }

    @Override
    @SuppressWarnings("unchecked")
    public CacheEntry<V> decode(byte[] bytes) {
        if (bytes.length < HEADER_V1 || bytes[0] != MAGIC_1 || bytes[1] != MAGIC_2) {
            throw new CodecException("not a Cacheback entry (" + bytes.length + " bytes without the entry header)");
        }
        if (bytes[2] != VERSION && bytes[2] != 2 && bytes[2] != 1) {
            throw new CodecException("entry format version " + bytes[2] + " is not readable by this version (reads 1 to " + VERSION + ")");
        }
        int header = bytes[2] == 1 ? HEADER_V1 : bytes[2] == 2 ? HEADER_V2 : HEADER;
        if (bytes.length < header) {
            throw new CodecException("not a Cacheback entry (" + bytes.length + " bytes, shorter than the entry header)");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        boolean hasData = buffer.get(3) == HAS_DATA;
        Instant expiry;
        try {
            expiry = Instant.ofEpochSecond(buffer.getLong(4), buffer.getInt(12));
        } catch (RuntimeException e) {
            throw new CodecException("entry header holds an impossible expiry", e);
        }
        long version = header >= HEADER_V2 ? buffer.getLong(EntryFormat.VERSION_OFFSET) : CacheEntry.NO_ENTRY;
        int failures = header == HEADER ? buffer.getInt(HEADER_V2) : 0;
        long fetchMillis = header == HEADER ? buffer.getInt(HEADER_V2 + 4) : 0;
        if (failures < 0 || fetchMillis < 0) {
            throw new CodecException("entry header holds a negative failure count or fetch time");
        }
        if (!hasData) {
            if (bytes.length != header) {
                throw new CodecException("entry without data has " + (bytes.length - header) + " trailing bytes");
            }
            return new CacheEntry<>(expiry, null, version, failures, fetchMillis);
        }
        V data = (V) codec.decode(bytes, header, bytes.length - header, valueType);
        return new CacheEntry<>(expiry, data, version, failures, fetchMillis);
    }
}

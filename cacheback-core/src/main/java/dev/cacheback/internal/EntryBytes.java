package dev.cacheback.internal;

import dev.cacheback.CacheEntry;
import dev.cacheback.spi.Codec;
import dev.cacheback.spi.CodecException;
import dev.cacheback.spi.EntryCodec;

import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The byte form of an entry: {@code 'C' 'B' version(1) flags(1) epochSecond(8) nano(4)} then the
 * codec's bytes for the data (absent when the data is null). Sixteen bytes of header, so bytes from
 * other programs are recognised as foreign rather than misread.
 */
public final class EntryBytes<V> implements EntryCodec<V> {

    static final int HEADER = 16;
    private static final byte MAGIC_1 = 'C';
    private static final byte MAGIC_2 = 'B';
    private static final byte VERSION = 1;
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
                .putLong(entry.expiry().getEpochSecond()).putInt(entry.expiry().getNano()).put(data);
        return buffer.array();
    }

    @Override
    @SuppressWarnings("unchecked")
    public CacheEntry<V> decode(byte[] bytes) {
        if (bytes.length < HEADER || bytes[0] != MAGIC_1 || bytes[1] != MAGIC_2) {
            throw new CodecException("not a Cacheback entry (" + bytes.length + " bytes without the entry header)");
        }
        if (bytes[2] != VERSION) {
            throw new CodecException("entry format version " + bytes[2] + " is not readable by this version (reads " + VERSION + ")");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        boolean hasData = buffer.get(3) == HAS_DATA;
        Instant expiry;
        try {
            expiry = Instant.ofEpochSecond(buffer.getLong(4), buffer.getInt(12));
        } catch (RuntimeException e) {
            throw new CodecException("entry header holds an impossible expiry", e);
        }
        if (!hasData) {
            if (bytes.length != HEADER) {
                throw new CodecException("entry without data has " + (bytes.length - HEADER) + " trailing bytes");
            }
            return new CacheEntry<>(expiry, null);
        }
        byte[] data = new byte[bytes.length - HEADER];
        System.arraycopy(bytes, HEADER, data, 0, data.length);
        return new CacheEntry<>(expiry, (V) codec.decode(data, valueType));
    }
}

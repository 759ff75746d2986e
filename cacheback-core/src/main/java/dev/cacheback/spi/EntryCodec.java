package dev.cacheback.spi;

import dev.cacheback.CacheEntry;

import java.lang.reflect.Type;

/**
 * Turns one job's cache entries into bytes and back. The engine makes one per job from the runtime's
 * {@link Codec} and the job's declared value type; a backend that stores bytes calls it, a backend
 * that keeps objects may ignore it.
 *
 * <p>The encoding is a small versioned header (expiry instant, null flag) followed by the codec's
 * bytes for the data. Bytes without that header, or that the codec cannot read as the declared type,
 * make {@link #decode} throw {@link CodecException}; backends report that as a
 * {@link CorruptEntryException}, which the engine treats as a miss.
 */
public interface EntryCodec<V> {

    /** The declared type of the data. */
    Type valueType();

    /** Encodes an entry. @throws CodecException when the data cannot be encoded */
    byte[] encode(CacheEntry<V> entry);

    /** Decodes an entry. @throws CodecException when the bytes are not an entry of this type */
    CacheEntry<V> decode(byte[] bytes);
}

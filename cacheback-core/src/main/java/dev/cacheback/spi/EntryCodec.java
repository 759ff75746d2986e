package dev.cacheback.spi;

import dev.cacheback.CacheEntry;
import dev.cacheback.internal.EntryBytes;

import java.lang.reflect.Type;
import java.util.Objects;

/**
 * Turns one job's cache entries into bytes and back. The engine makes one per job from the runtime's
 * {@link Codec} and the job's declared value type; a backend that stores bytes calls it, a backend
 * that keeps objects may ignore it.
 *
 * <p>The encoding is a small versioned header (expiry instant, null flag) followed by the codec's
 * bytes for the data. Bytes without that header, or that the codec cannot read as the declared type,
 * make {@link #decode} throw {@link CodecException}; backends report that as a
 * {@link CorruptEntryException}, which the engine treats as a miss.
 *
 * <p>{@link #of(Codec, Type)} gives the encoding the engine itself uses, for a backend, a queue or a
 * test that reads or writes entries outside a job. Implementations must be thread-safe.
 */
public interface EntryCodec<V> {

    /**
     * The entry encoding the engine uses: the header of {@link EntryFormat} (format
     * {@value EntryFormat#FORMAT} is written; formats 1 and 2 are still read) followed by
     * {@code codec}'s bytes for the data, read back as {@code valueType}. The result is immutable and
     * thread-safe, and reads exactly what a job with that value type and codec stores.
     *
     * @param codec     the runtime's codec ({@code Cacheback.codec()}, or {@link Codec#jackson()}); not null
     * @param valueType the job's declared value type ({@code String.class}, a {@code TypeRef}'s type); not null
     * @param <V>       the value type
     * @return an entry codec; never null
     * @throws NullPointerException when {@code codec} or {@code valueType} is null
     */
    static <V> EntryCodec<V> of(Codec codec, Type valueType) {
        Objects.requireNonNull(codec, "codec: pass the runtime's Cacheback.codec() or Codec.jackson()");
        Objects.requireNonNull(valueType, "valueType: pass the job's value type, e.g. String.class");
        return new EntryBytes<>(codec, valueType);
    }

    /** The declared type of the data. */
    Type valueType();

    /** Encodes an entry. @throws CodecException when the data cannot be encoded */
    byte[] encode(CacheEntry<V> entry);

    /** Decodes an entry. @throws CodecException when the bytes are not an entry of this type */
    CacheEntry<V> decode(byte[] bytes);
}

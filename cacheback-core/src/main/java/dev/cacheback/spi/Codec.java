package dev.cacheback.spi;

import dev.cacheback.internal.JacksonCodec;
import tools.jackson.databind.json.JsonMapper;

import java.lang.reflect.Type;

/**
 * Encodes job arguments (for keys and refresh tasks) and cached values (for backends that store
 * bytes).
 *
 * <p>A codec always works with the type the job declares: it must never read a class name from the
 * bytes it decodes, and never use Java native serialization. It must also be deterministic: equal
 * arguments encode to equal bytes, because the default {@link dev.cacheback.Job#key key} is a hash
 * of that encoding. Implementations are thread-safe.
 */
public interface Codec {

    /**
     * The default codec: JSON through Jackson 3, with properties and map entries in sorted order,
     * {@code java.time} types as ISO-8601 strings, and no default typing.
     */
    static Codec jackson() {
        return JacksonCodec.defaults();
    }

    /**
     * A JSON codec on the caller's mapper (for custom modules). The mapper should sort properties
     * and map entries, or keys will depend on declaration and insertion order.
     */
    static Codec jackson(JsonMapper mapper) {
        return new JacksonCodec(mapper);
    }

    /**
     * Encodes {@code value} as an instance of {@code type}.
     *
     * @throws CodecException when the value cannot be encoded; the message names its class
     */
    byte[] encode(Object value, Type type);

    /**
     * Decodes bytes produced by {@link #encode} for the same {@code type}.
     *
     * @throws CodecException when the bytes are not a {@code type}
     */
    Object decode(byte[] bytes, Type type);

    /**
     * Decodes {@code length} bytes of {@code bytes} from {@code offset}, produced by {@link #encode} for
     * the same {@code type}: how the engine reads a stored entry's value, which follows the entry's
     * header. The default copies the range and calls {@link #decode(byte[], Type)}; a codec that can
     * read a range in place overrides it.
     *
     * @throws CodecException when the bytes are not a {@code type}
     * @throws IndexOutOfBoundsException when the range is not within {@code bytes}
     */
    default Object decode(byte[] bytes, int offset, int length, Type type) {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        return decode(java.util.Arrays.copyOfRange(bytes, offset, offset + length), type);
    }
}

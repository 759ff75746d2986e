package dev.cacheback.internal;

import dev.cacheback.spi.Codec;
import dev.cacheback.spi.CodecException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.lang.reflect.Type;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** The default {@link Codec}: JSON through Jackson 3, typed by the caller, without default typing. */
public final class JacksonCodec implements Codec {

    private static final JacksonCodec DEFAULTS = new JacksonCodec(JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            // an argument with no visible properties would encode as {} and share one key with every
            // other such argument: refuse it instead (Jackson 3 no longer does by default)
            .enable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build(), true);

    private final JsonMapper mapper;
    private final ConcurrentHashMap<Type, ObjectWriter> writers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Type, ObjectReader> readers = new ConcurrentHashMap<>();

    /** Whether a plain ASCII JSON string decodes without Jackson: only with the default mapper (a given one may deserialize strings its own way). */
    private final boolean plainStrings;

    public JacksonCodec(JsonMapper mapper) {
        this(mapper, false);
    }

    private JacksonCodec(JsonMapper mapper, boolean plainStrings) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.plainStrings = plainStrings;
    }

    public static JacksonCodec defaults() {
        return DEFAULTS;
    }

    @Override
    public byte[] encode(Object value, Type type) {
        try {
            return writers.computeIfAbsent(type, t -> mapper.writerFor(javaType(t))).writeValueAsBytes(value);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new CodecException("Cannot encode a value of type " + describe(value, type) + " as JSON: "
                    + message(e) + ". Give it public getters or a record form, or configure the codec.", e);
        }
    }

    @Override
    public Object decode(byte[] bytes, Type type) {
        return decode(bytes, 0, bytes.length, type);
    }

    /**
     * Reads the range in place. A {@code String} whose JSON is printable ASCII without escapes (most
     * keys, names and identifiers) is made from the bytes directly with the default mapper, as Jackson
     * would make it, without a parser per call; anything else goes through Jackson.
     */
    @Override
    public Object decode(byte[] bytes, int offset, int length, Type type) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (plainStrings && type == String.class) {
            String plain = plainString(bytes, offset, length);
            if (plain != null) {
                return plain;
            }
        }
        try {
            ObjectReader reader = readers.get(type);
            if (reader == null) {
                reader = readers.computeIfAbsent(type, t -> mapper.readerFor(javaType(t)));
            }
            return reader.readValue(bytes, offset, length);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new CodecException("Cannot decode " + length + " bytes as " + type.getTypeName() + ": "
                    + message(e), e);
        }
    }

    /** The string a JSON string literal of printable ASCII without escapes stands for, else {@code null}. */
    private static String plainString(byte[] bytes, int offset, int length) {
        int end = offset + length;
        if (length < 2 || bytes[offset] != '"' || bytes[end - 1] != '"') {
            return null;
        }
        for (int i = offset + 1; i < end - 1; i++) {
            byte b = bytes[i];
            if (b < 0x20 || b > 0x7e || b == '"' || b == '\\') {
                return null;
            }
        }
        return new String(bytes, offset + 1, length - 2, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private JavaType javaType(Type type) {
        return mapper.getTypeFactory().constructType(type);
    }

    private static String describe(Object value, Type type) {
        return value == null ? type.getTypeName() : value.getClass().getName();
    }

    private static String message(RuntimeException e) {
        return e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage();
    }

    @Override
    public String toString() {
        return "JacksonCodec";
    }
}

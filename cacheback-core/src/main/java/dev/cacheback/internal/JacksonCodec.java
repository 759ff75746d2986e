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
            .build());

    private final JsonMapper mapper;
    private final ConcurrentHashMap<Type, ObjectWriter> writers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Type, ObjectReader> readers = new ConcurrentHashMap<>();

    public JacksonCodec(JsonMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
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
        try {
            return readers.computeIfAbsent(type, t -> mapper.readerFor(javaType(t))).readValue(bytes);
        } catch (JacksonException | IllegalArgumentException e) {
            throw new CodecException("Cannot decode " + bytes.length + " bytes as " + type.getTypeName() + ": "
                    + message(e), e);
        }
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

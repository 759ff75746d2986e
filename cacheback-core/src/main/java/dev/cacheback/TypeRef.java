package dev.cacheback;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * A full generic type, such as {@code List<User>}, captured by subclassing:
 * {@code new TypeRef<List<User>>() {}}. Used where a job's argument or value type cannot be read from
 * its class (function jobs, generic job classes).
 */
public abstract class TypeRef<T> {

    private final Type type;

    protected TypeRef() {
        Type superclass = getClass().getGenericSuperclass();
        if (!(superclass instanceof ParameterizedType parameterized)) {
            throw new IllegalStateException("TypeRef must be created with a type argument: new TypeRef<List<User>>() {}");
        }
        this.type = parameterized.getActualTypeArguments()[0];
    }

    private TypeRef(Type type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    /** The type of a plain class. */
    public static <T> TypeRef<T> of(Class<T> type) {
        return new TypeRef<>(type) {
        };
    }

    /** Any reflected type; the caller vouches that it matches {@code T}. */
    public static <T> TypeRef<T> ofType(Type type) {
        return new TypeRef<>(type) {
        };
    }

    public Type type() {
        return type;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TypeRef<?> other && type.equals(other.type);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public String toString() {
        return type.getTypeName();
    }
}

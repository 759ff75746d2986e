package dev.cacheback.internal;

import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which argument types give stable keys. A job's key is a hash of its argument's JSON, so the argument
 * must be an immutable value: if its JSON could change while the caller holds it (a {@code Thread}, a
 * bean with setters), the same call would hit different keys. Checked once per job, on the declared
 * type.
 */
public final class ArgumentTypes {

    private ArgumentTypes() {
    }

    /**
     * {@code null} when {@code type} is a value type, else a sentence naming the part that is not.
     * Values: {@code Void}, primitives and their boxes, {@code String}, {@code BigDecimal},
     * {@code BigInteger}, enums, {@code UUID}, {@code java.time} types, {@code URI}, {@code Locale},
     * records of values, {@code Collection}/{@code List}/{@code Set}/{@code Map}/{@code Optional} and
     * arrays of values, final classes whose fields are all final values, and {@code Object} or
     * wildcards (whatever the codec makes of the runtime value).
     */
    public static String problem(Type type) {
        return problem(type, new HashSet<>());
    }

    private static String problem(Type type, Set<Type> seen) {
        if (!seen.add(type)) {
            return null;
        }
        if (type instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (Collection.class.isAssignableFrom(raw) || Map.class.isAssignableFrom(raw) || raw == Optional.class) {
                for (Type arg : p.getActualTypeArguments()) {
                    String problem = problem(arg, seen);
                    if (problem != null) {
                        return problem;
                    }
                }
                return null;
            }
            return problem(raw, seen);
        }
        if (type instanceof WildcardType || type instanceof TypeVariable<?>) {
            return null;
        }
        if (type instanceof GenericArrayType a) {
            return problem(a.getGenericComponentType(), seen);
        }
        if (!(type instanceof Class<?> c)) {
            return null;
        }
        if (c.isArray()) {
            return problem(c.getComponentType(), seen);
        }
        if (isValueClass(c) || c == Object.class || Collection.class.isAssignableFrom(c) && c.isInterface()
                || Map.class.isAssignableFrom(c) && c.isInterface()) {
            return null;
        }
        if (c.isRecord()) {
            for (RecordComponent component : c.getRecordComponents()) {
                String problem = problem(component.getGenericType(), seen);
                if (problem != null) {
                    return problem;
                }
            }
            return null;
        }
        if (Modifier.isFinal(c.getModifiers()) && !c.isInterface()) {
            for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
                for (Field f : k.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) {
                        continue;
                    }
                    if (!Modifier.isFinal(f.getModifiers())) {
                        return c.getName() + " has a field that is not final (" + f.getName() + ")";
                    }
                    String problem = problem(f.getGenericType(), seen);
                    if (problem != null) {
                        return problem;
                    }
                }
            }
            return null;
        }
        return c.getName() + " is not an immutable value type";
    }

    private static boolean isValueClass(Class<?> c) {
        return c.isPrimitive() || c == Void.class || c == String.class || c == Boolean.class || c == Character.class
                || c == Byte.class || c == Short.class || c == Integer.class || c == Long.class || c == Float.class
                || c == Double.class || c == java.math.BigDecimal.class || c == java.math.BigInteger.class
                || c.isEnum() || c == java.util.UUID.class || c == java.net.URI.class || c == java.util.Locale.class
                || c == java.util.Currency.class || c.getName().startsWith("java.time.") || c == Number.class;
    }
}

package dev.cacheback.jpa;

import dev.cacheback.spi.Codec;
import dev.cacheback.spi.CodecException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;

/**
 * Converts a filter or parameter value to the Java type of the attribute it is compared with, the
 * same way in the caller and in a worker (which sees the value as the codec decoded it: JSON numbers
 * as {@code Integer}/{@code Long}/{@code Double}, dates and enums as strings).
 *
 * <p>The rules, in order: {@code null} stays {@code null} (not for primitive attributes); an instance of
 * the attribute's type (after boxing) is kept; integral numbers convert to any integral type they fit;
 * any number converts to {@code float}, {@code double} and {@code BigDecimal}; a string names an enum
 * constant; a one-character string is a {@code char}; a string or number is read by the codec as any
 * other attribute type (ISO-8601 for {@code java.time}, canonical form for {@code UUID}). Anything else
 * is the wrong type. A {@code BigDecimal} is stripped of trailing zeros, so that {@code 1.10} and
 * {@code 1.1} make one cache key.
 */
final class Values {

    private static final Map<Class<?>, Class<?>> BOXES = Map.of(boolean.class, Boolean.class, byte.class, Byte.class,
            short.class, Short.class, int.class, Integer.class, long.class, Long.class, float.class, Float.class,
            double.class, Double.class, char.class, Character.class);

    private Values() {
    }

    static Class<?> box(Class<?> type) {
        return type.isPrimitive() ? BOXES.get(type) : type;
    }

    /**
     * @param what how to name the value in an error: {@code "filter \"author.name\" on Book (attribute Author.name)"}
     * @throws IllegalArgumentException when the value is not of, and cannot be read as, {@code type}
     */
    static Object coerce(Object value, Class<?> type, Codec codec, String what) {
        if (value == null) {
            if (type.isPrimitive()) {
                throw new IllegalArgumentException("Null is not a value for " + what + ", whose type is " + type.getName());
            }
            return null;
        }
        Class<?> target = box(type);
        if (value instanceof Number number && isNumeric(target)) {
            return number(number, target, what);
        }
        if (target.isInstance(value)) {
            return value;
        }
        if (value instanceof String s) {
            if (target.isEnum()) {
                return enumConstant(s, target, what);
            }
            if (target == Character.class && s.length() == 1) {
                return s.charAt(0);
            }
        }
        if ((value instanceof String || value instanceof Number) && !isNumeric(target) && target != String.class
                && target != Boolean.class && target != Character.class && !target.isEnum()) {
            try {
                Object read = codec.decode(codec.encode(value, value.getClass()), target);
                if (target.isInstance(read)) {
                    return read;
                }
            } catch (CodecException e) {
                throw wrongType(value, type, what, " (" + e.getMessage() + ")");
            }
        }
        throw wrongType(value, type, what, "");
    }

    private static boolean isNumeric(Class<?> type) {
        return Number.class.isAssignableFrom(type) && (type == Byte.class || type == Short.class || type == Integer.class
                || type == Long.class || type == BigInteger.class || type == Float.class || type == Double.class
                || type == BigDecimal.class);
    }

    private static boolean isIntegral(Number n) {
        return n instanceof Byte || n instanceof Short || n instanceof Integer || n instanceof Long || n instanceof BigInteger;
    }

    private static Object number(Number n, Class<?> target, String what) {
        if (target == Float.class) {
            return n instanceof Float ? n : (Object) n.floatValue();
        }
        if (target == Double.class) {
            return n instanceof Double ? n : (Object) n.doubleValue();
        }
        if (target == BigDecimal.class) {
            BigDecimal d = n instanceof BigDecimal b ? b : n instanceof BigInteger i ? new BigDecimal(i)
                    : isIntegral(n) ? BigDecimal.valueOf(n.longValue()) : new BigDecimal(n.toString());
            return d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
        }
        if (!isIntegral(n)) {
            throw wrongType(n, target, what, ": a fractional number cannot be compared with a whole-number attribute");
        }
        BigInteger big = n instanceof BigInteger i ? i : BigInteger.valueOf(n.longValue());
        try {
            if (target == BigInteger.class) {
                return big;
            }
            if (target == Long.class) {
                return big.longValueExact();
            }
            if (target == Integer.class) {
                return big.intValueExact();
            }
            if (target == Short.class) {
                return big.shortValueExact();
            }
            return big.byteValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("The value " + n + " is out of range for " + what + ", whose type is "
                    + target.getName());
        }
    }

    private static Object enumConstant(String name, Class<?> type, String what) {
        for (Object constant : type.getEnumConstants()) {
            if (((Enum<?>) constant).name().equals(name)) {
                return constant;
            }
        }
        throw new IllegalArgumentException("\"" + name + "\" is not a constant of " + type.getName() + " for " + what
                + "; constants: " + Arrays.toString(type.getEnumConstants()));
    }

    private static IllegalArgumentException wrongType(Object value, Class<?> type, String what, String detail) {
        return new IllegalArgumentException("Wrong type for " + what + ": the attribute's type is " + type.getName()
                + ", the value " + abbreviate(value) + " is a " + value.getClass().getName() + detail);
    }

    static String abbreviate(Object value) {
        String s = String.valueOf(value);
        s = s.length() > 60 ? s.substring(0, 57) + "..." : s;
        return value instanceof String ? "\"" + s + "\"" : s;
    }
}

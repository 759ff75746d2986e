package dev.cacheback.internal;

import dev.cacheback.Job;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.HashMap;
import java.util.Map;

/** Reads a job class's declared argument and value types, once per class. */
public final class TypeResolver {

    private static final ClassValue<Type[]> JOB_TYPES = new ClassValue<>() {
        @Override
        protected Type[] computeValue(Class<?> type) {
            return resolve(type);
        }
    };

    private static final ClassValue<Boolean> OVERRIDES_KEY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("key", Object.class).getDeclaringClass() != Job.class;
            } catch (NoSuchMethodException e) {
                return Boolean.FALSE;
            }
        }
    };

    private static final ClassValue<Boolean> OVERRIDES_FETCH_MANY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            for (Class<?> c = type; c != null && c != Job.class; c = c.getSuperclass()) {
                try {
                    c.getDeclaredMethod("fetchMany", java.util.Set.class);
                    return Boolean.TRUE;
                } catch (NoSuchMethodException e) {
                    // not here: look in the superclass
                }
            }
            return Boolean.FALSE;
        }
    };

    private TypeResolver() {
    }

    /**
     * {@code [argType, valueType]} of a subclass of {@link Job}.
     *
     * @throws IllegalStateException when the class leaves either as a type variable
     */
    public static Type[] jobTypes(Class<?> jobClass) {
        Type[] types = JOB_TYPES.get(jobClass);
        if (types == null) {
            throw new IllegalStateException("Cannot tell the argument and value types of job class " + jobClass.getName()
                    + ": declare them (class MyJob extends Job<String, User>) or pass TypeRefs to the Job constructor");
        }
        return types;
    }

    /** Whether {@code jobClass} overrides {@code Job.fetchMany}. */
    public static boolean overridesFetchMany(Class<?> jobClass) {
        return OVERRIDES_FETCH_MANY.get(jobClass);
    }

    /** Whether {@code jobClass} overrides {@link Job#key}. */
    public static boolean overridesKey(Class<?> jobClass) {
        return OVERRIDES_KEY.get(jobClass);
    }

    private static Type[] resolve(Class<?> type) {
        Map<TypeVariable<?>, Type> bindings = new HashMap<>();
        Class<?> current = type;
        while (current != null && current != Job.class) {
            Type superType = current.getGenericSuperclass();
            Class<?> superClass = current.getSuperclass();
            if (superType instanceof ParameterizedType parameterized) {
                TypeVariable<?>[] variables = superClass.getTypeParameters();
                Type[] actual = parameterized.getActualTypeArguments();
                for (int i = 0; i < variables.length; i++) {
                    bindings.put(variables[i], substitute(actual[i], bindings));
                }
            }
            current = superClass;
        }
        if (current == null) {
            return null;
        }
        TypeVariable<?>[] jobVariables = Job.class.getTypeParameters();
        Type arg = bindings.get(jobVariables[0]);
        Type value = bindings.get(jobVariables[1]);
        if (arg == null || value == null || hasVariables(arg) || hasVariables(value)) {
            return null;
        }
        return new Type[]{arg, value};
    }

    private static Type substitute(Type type, Map<TypeVariable<?>, Type> bindings) {
        if (type instanceof TypeVariable<?> variable) {
            return bindings.getOrDefault(variable, variable);
        }
        return type;
    }

    private static boolean hasVariables(Type type) {
        if (type instanceof TypeVariable<?>) {
            return true;
        }
        if (type instanceof ParameterizedType p) {
            for (Type a : p.getActualTypeArguments()) {
                if (hasVariables(a)) {
                    return true;
                }
            }
            return false;
        }
        if (type instanceof GenericArrayType g) {
            return hasVariables(g.getGenericComponentType());
        }
        if (type instanceof WildcardType) {
            return true;
        }
        return false;
    }
}

package dev.cacheback.jpa;

import dev.cacheback.JobSettings;
import dev.cacheback.TypeRef;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What the JPA jobs share: their argument type, names, value types, and the init values their tasks carry. */
final class JpaJobs {

    static final TypeRef<Map<String, Object>> ARGS = new TypeRef<>() {
    };

    static final String INIT_ENTITY = "entity";
    static final String INIT_QUERY = "query";
    static final String INIT_CACHE_ALIAS = "cacheAlias";

    private JpaJobs() {
    }

    /** {@code settings} with {@code name} as the job's name, unless the settings name the job already. */
    static JobSettings named(JobSettings settings, String name) {
        Objects.requireNonNull(settings, "settings");
        return settings.name().isPresent() ? settings : settings.withName(name);
    }

    @SuppressWarnings("unchecked")
    static <E> TypeRef<List<E>> listOf(Class<E> element) {
        return (TypeRef<List<E>>) (TypeRef<?>) TypeRef.ofType(new ListType(element));
    }

    static Map<String, String> init(String identityKey, String identity, String cacheAlias) {
        return Map.of(identityKey, identity, INIT_CACHE_ALIAS, cacheAlias == null ? "" : cacheAlias);
    }

    /**
     * Checks a task's init values against the worker's job: the same entity (or query) and cache alias.
     *
     * @throws IllegalArgumentException when they differ: the task is rejected, never retried
     */
    static void checkInit(Map<String, String> init, String jobName, String identityKey, String identity,
                          String cacheAlias) {
        String theirs = init.get(identityKey);
        if (!identity.equals(theirs)) {
            throw new IllegalArgumentException("the task was made for " + identityKey + " \"" + theirs + "\" but job "
                    + jobName + " in this worker reads " + identityKey + " \"" + identity + "\"; only what a job "
                    + "constructed in this worker reads is refreshed");
        }
        String theirAlias = init.getOrDefault(INIT_CACHE_ALIAS, "");
        String mine = cacheAlias == null ? "" : cacheAlias;
        if (!mine.equals(theirAlias)) {
            throw new IllegalArgumentException("the task's job stores in " + alias(theirAlias) + " but job "
                    + jobName + " in this worker stores in " + alias(mine) + "; construct the job with the same "
                    + "settings in producers and workers");
        }
    }

    private static String alias(String alias) {
        return alias.isEmpty() ? "the runtime's default cache" : "cache \"" + alias + "\"";
    }

    /** {@code List<E>}, for the codec. */
    private record ListType(Class<?> element) implements ParameterizedType {
        @Override
        public Type[] getActualTypeArguments() {
            return new Type[] {element};
        }

        @Override
        public Type getRawType() {
            return List.class;
        }

        @Override
        public Type getOwnerType() {
            return null;
        }

        @Override
        public String getTypeName() {
            return "java.util.List<" + element.getTypeName() + ">";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ParameterizedType p && p.getRawType() == List.class && p.getOwnerType() == null
                    && Arrays.equals(p.getActualTypeArguments(), getActualTypeArguments());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(getActualTypeArguments()) ^ List.class.hashCode();
        }

        @Override
        public String toString() {
            return getTypeName();
        }
    }
}

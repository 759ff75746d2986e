package dev.cacheback.jpa;

import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.PersistenceUnitUtil;
import jakarta.persistence.metamodel.Attribute;
import jakarta.persistence.metamodel.EntityType;
import jakarta.persistence.metamodel.ManagedType;
import jakarta.persistence.metamodel.Metamodel;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * How every JPA job reads: a fresh {@link EntityManager} per fetch, a resource-local transaction that is
 * rolled back (nothing is written), and a check, before the manager closes, that every result is
 * fully loaded, so that what is cached is detached and never needs the closed manager later.
 * Thread-safe.
 */
final class Reads {

    /** Hibernate's query hint for read-only results (no snapshots kept); other providers ignore unknown hints. */
    static final String READ_ONLY_HINT = "org.hibernate.readOnly";

    private final EntityManagerFactory emf;
    private final ConcurrentHashMap<Class<?>, Optional<ManagedType<?>>> managedTypes = new ConcurrentHashMap<>();

    Reads(EntityManagerFactory emf) {
        this.emf = emf;
    }

    /**
     * Runs {@code work} on a fresh entity manager, checks that its result is fully loaded, then rolls
     * back and closes the manager.
     *
     * @param what the job, for errors: {@code "EntityFilterJob for Book"}
     * @throws UncacheableResultException when the result holds an association that was not loaded
     */
    <T> T read(String what, Function<EntityManager, T> work) {
        EntityManager em = emf.createEntityManager();
        EntityTransaction tx = null;
        try {
            tx = beginIfResourceLocal(em);
            T result = work.apply(em);
            requireLoaded(what, result);
            return result;
        } finally {
            try {
                if (tx != null && tx.isActive()) {
                    tx.rollback();
                }
            } finally {
                em.close();
            }
        }
    }

    private static EntityTransaction beginIfResourceLocal(EntityManager em) {
        EntityTransaction tx;
        try {
            tx = em.getTransaction();
        } catch (IllegalStateException jta) {
            return null; // a JTA entity manager: reads run without a transaction of ours
        }
        tx.begin();
        return tx;
    }

    /**
     * Walks the result (entities, collections, arrays of a projection) through every loaded
     * association, and fails on the first attribute that is not loaded.
     */
    void requireLoaded(String what, Object result) {
        PersistenceUnitUtil util = emf.getPersistenceUnitUtil();
        walk(what, result, util, new IdentityHashMap<>(), null);
    }

    private void walk(String what, Object value, PersistenceUnitUtil util, Map<Object, Boolean> seen, String via) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> collection) {
            collection.forEach(element -> walk(what, element, util, seen, via));
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.values().forEach(element -> walk(what, element, util, seen, via));
            return;
        }
        if (value instanceof Object[] row) {
            for (Object element : row) {
                walk(what, element, util, seen, via);
            }
            return;
        }
        Optional<ManagedType<?>> managed = managedType(value.getClass());
        if (managed.isEmpty()) {
            return; // a basic value or a DTO
        }
        ManagedType<?> type = managed.get();
        boolean entity = type instanceof EntityType<?>;
        if (entity && !util.isLoaded(value)) {
            throw notLoaded(what, via, EntityModel.typeName(type) + " (an uninitialized proxy)");
        }
        for (Attribute<?, ?> attribute : type.getAttributes()) {
            Attribute.PersistentAttributeType kind = attribute.getPersistentAttributeType();
            if (kind == Attribute.PersistentAttributeType.BASIC) {
                if (entity && !util.isLoaded(value, attribute.getName())) {
                    throw notLoaded(what, via, EntityModel.describe(attribute));
                }
                continue;
            }
            if (entity && !util.isLoaded(value, attribute.getName())) {
                throw notLoaded(what, via, EntityModel.describe(attribute));
            }
            Object child = read(value, attribute, type);
            if (child != null && !util.isLoaded(child)) {
                throw notLoaded(what, via, EntityModel.describe(attribute));
            }
            walk(what, child, util, seen, via == null ? EntityModel.describe(attribute) : via);
        }
    }

    private static UncacheableResultException notLoaded(String what, String via, String attribute) {
        return new UncacheableResultException(what + " cannot cache its result: " + attribute + " is not loaded"
                + (via != null ? " (reached through " + via + ")" : "") + ", so reading it after the EntityManager "
                + "closes would fail (LazyInitializationException) and the codec cannot encode it. Load it with the "
                + "result (a fetch path, as new EntityFilterJob<>(…, List.of(\"author\")), or a JpqlQueryJob with "
                + "\"join fetch\"), or cache a projection: a JpqlQueryJob with \"select new com.example.BookView(…)\"",
                attribute);
    }

    /** The attribute's value, through its field or getter; {@code null} when it cannot be read (then not walked). */
    private static Object read(Object owner, Attribute<?, ?> attribute, ManagedType<?> type) {
        Member member = attribute.getJavaMember();
        try {
            if (member instanceof Method method) {
                method.setAccessible(true);
                return method.invoke(owner);
            }
            if (member instanceof Field field) {
                if (field.getDeclaringClass().isInstance(owner) && owner.getClass() == type.getJavaType()) {
                    field.setAccessible(true);
                    return field.get(owner);
                }
                // a proxy's own fields are empty: read through the getter, which the proxy delegates
                Method getter = getter(owner.getClass(), attribute.getName());
                if (getter != null) {
                    return getter.invoke(owner);
                }
            }
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static Method getter(Class<?> type, String name) {
        String suffix = Character.toUpperCase(name.charAt(0)) + name.substring(1);
        for (String candidate : new String[] {"get" + suffix, "is" + suffix}) {
            try {
                Method method = type.getMethod(candidate);
                return method;
            } catch (NoSuchMethodException e) {
                // try the next
            }
        }
        return null;
    }

    /** The managed type of a class or of the nearest managed superclass (a provider's proxy class). */
    private Optional<ManagedType<?>> managedType(Class<?> type) {
        return managedTypes.computeIfAbsent(type, t -> {
            Metamodel metamodel = emf.getMetamodel();
            for (Class<?> c = t; c != null && c != Object.class; c = c.getSuperclass()) {
                try {
                    return Optional.of(metamodel.managedType(c));
                } catch (IllegalArgumentException notManaged) {
                    // try the superclass
                }
            }
            return Optional.empty();
        });
    }
}

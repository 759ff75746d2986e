package dev.cacheback.jpa;

import dev.cacheback.spi.Codec;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.TypedQuery;
import jakarta.persistence.criteria.CriteriaBuilder;
import jakarta.persistence.criteria.CriteriaQuery;
import jakarta.persistence.criteria.FetchParent;
import jakarta.persistence.criteria.From;
import jakarta.persistence.criteria.JoinType;
import jakarta.persistence.criteria.Path;
import jakarta.persistence.criteria.Predicate;
import jakarta.persistence.criteria.Root;
import jakarta.persistence.metamodel.Attribute;
import jakarta.persistence.metamodel.EntityType;
import jakarta.persistence.metamodel.ManagedType;
import jakarta.persistence.metamodel.PluralAttribute;
import jakarta.persistence.metamodel.SingularAttribute;
import jakarta.persistence.metamodel.Type;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One entity type as the get and filter jobs see it: its name, how a filter path resolves through its
 * metamodel, and the criteria query for a map of filters. Immutable and thread-safe.
 */
final class EntityModel<E> {

    /** A filter path resolved to the attributes it goes through: all but the last are entities or embeddables. */
    private record Resolved(String path, List<SingularAttribute<?, ?>> attributes) {
        SingularAttribute<?, ?> last() {
            return attributes.get(attributes.size() - 1);
        }
    }

    private final EntityManagerFactory emf;
    private final Class<E> entityClass;
    private final EntityType<E> entityType;
    private final List<String> fetchPaths;
    private final boolean pluralFetch;

    EntityModel(EntityManagerFactory emf, Class<E> entityClass, List<String> fetchPaths) {
        this.emf = Objects.requireNonNull(emf, "entityManagerFactory");
        this.entityClass = Objects.requireNonNull(entityClass, "entityClass");
        EntityType<E> type;
        try {
            type = emf.getMetamodel().entity(entityClass);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(entityClass.getName() + " is not an entity of the given "
                    + "EntityManagerFactory: list it in its persistence unit", e);
        }
        this.entityType = type;
        this.fetchPaths = List.copyOf(fetchPaths);
        this.fetchPaths.forEach(this::checkFetchPath);
        this.pluralFetch = this.fetchPaths.stream().anyMatch(this::isPluralPath);
    }

    String name() {
        return entityType.getName();
    }

    /**
     * The default job name: {@code prefix + entityName}, then {@code '+'} and each fetch path, sorted, so
     * that jobs loading different associations (different cached shapes) never share keys.
     */
    String jobName(String prefix) {
        StringBuilder name = new StringBuilder(prefix).append(name());
        new TreeSet<>(fetchPaths).forEach(path -> name.append('+').append(path));
        return name.toString();
    }

    Class<E> entityClass() {
        return entityClass;
    }

    EntityManagerFactory emf() {
        return emf;
    }

    List<String> fetchPaths() {
        return fetchPaths;
    }

    /** Whether a fetch path goes through a collection (the query is then DISTINCT and not limited). */
    boolean hasPluralFetch() {
        return pluralFetch;
    }

    /**
     * Checks every filter against the metamodel and converts its value to the attribute's type.
     *
     * @return the filters, sorted by path, with converted values (a {@code null} value means IS NULL)
     * @throws IllegalArgumentException naming the entity and the attribute, for an unknown attribute,
     *     a path that is not a chain of singular attributes, or a value of the wrong type
     * @throws NullPointerException for a null map or a null path
     */
    Map<String, Object> normalize(Map<String, ?> filters, Codec codec) {
        Objects.requireNonNull(filters, "filters");
        Map<String, Object> normalized = new TreeMap<>();
        for (Map.Entry<String, ?> filter : filters.entrySet()) {
            String path = Objects.requireNonNull(filter.getKey(), "a filter's attribute path is null");
            Resolved resolved = resolve(path);
            SingularAttribute<?, ?> last = resolved.last();
            String what = "filter \"" + path + "\" on " + name() + " (attribute " + describe(last) + ")";
            normalized.put(path, Values.coerce(filter.getValue(), last.getJavaType(), codec, what));
        }
        return normalized;
    }

    /** The query for normalized filters: joins for nested paths, the fetch paths fetched, equality on each filter. */
    TypedQuery<E> query(EntityManager em, Map<String, Object> normalized) {
        CriteriaBuilder cb = em.getCriteriaBuilder();
        CriteriaQuery<E> query = cb.createQuery(entityClass);
        Root<E> root = query.from(entityClass);
        Map<String, FetchParent<?, ?>> fetches = new HashMap<>();
        for (String fetchPath : fetchPaths) {
            FetchParent<?, ?> parent = root;
            String prefix = "";
            for (String segment : fetchPath.split("\\.")) {
                prefix = prefix.isEmpty() ? segment : prefix + "." + segment;
                FetchParent<?, ?> from = parent;
                parent = fetches.computeIfAbsent(prefix, p -> from.fetch(segment, JoinType.LEFT));
            }
        }
        Map<String, From<?, ?>> joins = new HashMap<>();
        List<Predicate> predicates = new ArrayList<>();
        for (Map.Entry<String, Object> filter : normalized.entrySet()) {
            Resolved resolved = resolve(filter.getKey());
            Path<?> path = root;
            String prefix = "";
            List<SingularAttribute<?, ?>> attributes = resolved.attributes();
            for (int i = 0; i < attributes.size(); i++) {
                SingularAttribute<?, ?> attribute = attributes.get(i);
                prefix = prefix.isEmpty() ? attribute.getName() : prefix + "." + attribute.getName();
                if (i < attributes.size() - 1 && attribute.isAssociation()) {
                    From<?, ?> from = (From<?, ?>) path;
                    path = joins.computeIfAbsent(prefix, p -> from.join(attribute.getName(), JoinType.INNER));
                } else {
                    path = path.get(attribute.getName());
                }
            }
            predicates.add(filter.getValue() == null ? cb.isNull(path) : cb.equal(path, filter.getValue()));
        }
        query.select(root).where(predicates.toArray(new Predicate[0]));
        if (pluralFetch) {
            query.distinct(true); // a collection fetch repeats the root once per element
        }
        return em.createQuery(query);
    }

    private Resolved resolve(String path) {
        if (path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new IllegalArgumentException("Filter \"" + path + "\" on " + name() + " is not an attribute path: "
                    + "use attribute names joined by dots, as \"author.name\"");
        }
        String[] segments = path.split("\\.");
        List<SingularAttribute<?, ?>> attributes = new ArrayList<>(segments.length);
        ManagedType<?> type = entityType;
        for (int i = 0; i < segments.length; i++) {
            Attribute<?, ?> attribute = attribute(type, segments[i], "filter \"" + path + "\" on " + name());
            if (!(attribute instanceof SingularAttribute<?, ?> singular)) {
                throw new IllegalArgumentException("Filter \"" + path + "\" on " + name() + " goes through "
                        + describe(attribute) + ", a collection: filters compare single values. Filter from the other "
                        + "side, or use a JpqlQueryJob");
            }
            attributes.add(singular);
            boolean lastSegment = i == segments.length - 1;
            Type<?> target = singular.getType();
            if (lastSegment) {
                if (target.getPersistenceType() != Type.PersistenceType.BASIC) {
                    throw new IllegalArgumentException("Filter \"" + path + "\" on " + name() + " ends at "
                            + describe(attribute) + ", which is not a basic attribute: filter on one of its attributes, "
                            + "as \"" + path + "." + firstAttributeName((ManagedType<?>) target) + "\"");
                }
            } else {
                if (!(target instanceof ManagedType<?> managed)) {
                    throw new IllegalArgumentException("Filter \"" + path + "\" on " + name() + " goes through "
                            + describe(attribute) + ", a basic attribute, which has no attributes of its own");
                }
                if (singular.getPersistentAttributeType() == Attribute.PersistentAttributeType.EMBEDDED
                        && i + 1 < segments.length - 1) {
                    Attribute<?, ?> next = attribute(managed, segments[i + 1], "filter \"" + path + "\" on " + name());
                    if (next.isAssociation()) {
                        throw new IllegalArgumentException("Filter \"" + path + "\" on " + name() + " goes through an "
                                + "association inside the embeddable " + describe(attribute) + ": not supported; use a "
                                + "JpqlQueryJob");
                    }
                }
                type = managed;
            }
        }
        return new Resolved(path, List.copyOf(attributes));
    }

    private void checkFetchPath(String path) {
        Objects.requireNonNull(path, "fetch path");
        String[] segments = path.split("\\.", -1);
        ManagedType<?> type = entityType;
        for (String segment : segments) {
            Attribute<?, ?> attribute = attribute(type, segment, "fetch path \"" + path + "\" of " + name());
            if (!attribute.isAssociation()) {
                throw new IllegalArgumentException("Fetch path \"" + path + "\" of " + name() + " names "
                        + describe(attribute) + ", which is not an association: fetch paths name associations to load "
                        + "with each result");
            }
            Type<?> target = attribute instanceof PluralAttribute<?, ?, ?> plural ? plural.getElementType()
                    : ((SingularAttribute<?, ?>) attribute).getType();
            type = (ManagedType<?>) target;
        }
    }

    private boolean isPluralPath(String path) {
        ManagedType<?> type = entityType;
        boolean plural = false;
        for (String segment : path.split("\\.")) {
            Attribute<?, ?> attribute = type.getAttribute(segment);
            if (attribute instanceof PluralAttribute<?, ?, ?> p) {
                plural = true;
                type = (ManagedType<?>) p.getElementType();
            } else {
                type = (ManagedType<?>) ((SingularAttribute<?, ?>) attribute).getType();
            }
        }
        return plural;
    }

    private static Attribute<?, ?> attribute(ManagedType<?> type, String name, String what) {
        try {
            return type.getAttribute(name);
        } catch (IllegalArgumentException e) {
            TreeSet<String> names = new TreeSet<>();
            type.getAttributes().forEach(a -> names.add(a.getName()));
            throw new IllegalArgumentException("Unknown attribute " + typeName(type) + "." + name + " in " + what
                    + "; " + typeName(type) + " has " + names, e);
        }
    }

    private static String firstAttributeName(ManagedType<?> type) {
        if (type instanceof EntityType<?> entity && entity.hasSingleIdAttribute()) {
            return entity.getId(entity.getIdType().getJavaType()).getName();
        }
        return new TreeSet<>(type.getAttributes().stream().map(Attribute::getName).toList()).first();
    }

    static String describe(Attribute<?, ?> attribute) {
        return typeName(attribute.getDeclaringType()) + "." + attribute.getName();
    }

    static String typeName(ManagedType<?> type) {
        return type instanceof EntityType<?> entity ? entity.getName() : type.getJavaType().getSimpleName();
    }
}

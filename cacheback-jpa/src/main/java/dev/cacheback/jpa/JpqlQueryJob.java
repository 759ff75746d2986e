package dev.cacheback.jpa;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Parameter;
import jakarta.persistence.TypedQuery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Caches the results of one JPQL query whose named parameters are the job's arguments: for the reads
 * the seed's {@code QuerySetGetJob} and {@code QuerySetFilterJob} cannot express (ranges, ordering,
 * {@code join fetch}, projections).
 * <pre>{@code
 * JpqlQueryJob<BookView> recent = new JpqlQueryJob<>(cacheback, emf,
 *         "select new com.example.BookView(b.title, a.name) from Book b join b.author a"
 *                 + " where b.year >= :since order by b.year",
 *         BookView.class, JobSettings.defaults());
 * List<BookView> views = recent.get(Map.of("since", 1900));
 * }</pre>
 *
 * <p>The query is checked when the job is constructed (a syntax error or a positional parameter throws
 * {@link IllegalArgumentException}). Each call checks that the arguments name exactly the query's
 * parameters and converts each value to the parameter's type, when the provider reports one (as
 * {@link EntityGetJob} does for filters; a collection value, for {@code in :ids}, element by element);
 * otherwise it throws {@link IllegalArgumentException} naming the parameter, before any query runs.
 *
 * <p>The name is {@code "jpa.query:" + resultClass.getSimpleName() + ":" + 16 hex digits of the query's
 * SHA-256}, unless {@link JobSettings#name()} sets one. Refresh tasks carry that hash and the cache
 * alias; a worker runs them only with a job for the same query text constructed in the worker.
 *
 * <p>What is cached follows {@link EntityGetJob}'s rules: a fresh, closed entity manager per fetch;
 * entity results (also inside {@code Object[]} rows) must be fully loaded, or the fetch throws
 * {@link UncacheableResultException}; DTOs and scalars are cached as they are, and must be encodable
 * by the codec for backends that store bytes (records are). The value is an unmodifiable list.
 *
 * <p>Thread-safe. Arguments must not be {@code null}; a query without parameters takes {@code Map.of()}.
 *
 * @param <R> the result class: an entity, a DTO of a constructor expression, a scalar, or {@code Object[]}
 */
public final class JpqlQueryJob<R> extends Job<Map<String, Object>, List<R>> {

    /** The prefix of the default job name. */
    public static final String NAME_PREFIX = "jpa.query:";

    private final EntityManagerFactory emf;
    private final String jpql;
    private final Class<R> resultClass;
    private final String queryHash;
    private final Map<String, Class<?>> parameters;
    private final Reads reads;

    /**
     * A query job on the {@linkplain Cacheback#makeDefault() default runtime} with default settings.
     *
     * @throws IllegalArgumentException when the query is invalid or uses positional parameters
     * @throws IllegalStateException    when there is no default runtime
     */
    public JpqlQueryJob(EntityManagerFactory emf, String jpql, Class<R> resultClass) {
        this(Cacheback.getDefault(), emf, jpql, resultClass, JobSettings.defaults());
    }

    /** A query job on the default runtime. */
    public JpqlQueryJob(EntityManagerFactory emf, String jpql, Class<R> resultClass, JobSettings settings) {
        this(Cacheback.getDefault(), emf, jpql, resultClass, settings);
    }

    /**
     * A query job on {@code cacheback}.
     *
     * @throws IllegalArgumentException when the query is invalid or uses positional parameters, or the
     *     settings name an unknown cache alias
     */
    public JpqlQueryJob(Cacheback cacheback, EntityManagerFactory emf, String jpql, Class<R> resultClass,
                        JobSettings settings) {
        // the query is checked before the job registers itself
        this(cacheback, emf, jpql, resultClass, settings, parameters(emf, jpql, resultClass));
    }

    private JpqlQueryJob(Cacheback cacheback, EntityManagerFactory emf, String jpql, Class<R> resultClass,
                         JobSettings settings, Map<String, Class<?>> parameters) {
        super(cacheback, JpaJobs.named(settings, NAME_PREFIX + resultClass.getSimpleName() + ":" + hash(jpql)),
                JpaJobs.ARGS, JpaJobs.listOf(resultClass));
        this.emf = emf;
        this.jpql = jpql;
        this.resultClass = resultClass;
        this.queryHash = hash(jpql);
        this.parameters = parameters;
        this.reads = new Reads(emf);
    }

    /** The query. */
    public String jpql() {
        return jpql;
    }

    /** The result class. */
    public Class<R> resultClass() {
        return resultClass;
    }

    /** The query's named parameters, sorted. */
    public Collection<String> parameterNames() {
        return parameters.keySet();
    }

    /**
     * The seed's key rule on the converted parameters.
     *
     * @throws IllegalArgumentException for an unknown or missing parameter, or a value of the wrong type
     */
    @Override
    public String key(Map<String, Object> args) {
        return super.key(normalize(args));
    }

    /**
     * Runs the query.
     *
     * @throws UncacheableResultException when an entity in the results is not fully loaded
     */
    @Override
    protected List<R> fetch(Map<String, Object> args) {
        Map<String, Object> normalized = normalize(args);
        List<R> rows = reads.read("JpqlQueryJob " + name(), em -> {
            TypedQuery<R> query = em.createQuery(jpql, resultClass);
            query.setHint(Reads.READ_ONLY_HINT, true);
            normalized.forEach(query::setParameter);
            return query.getResultList();
        });
        return Collections.unmodifiableList(new ArrayList<>(rows));
    }

    /** The query's hash and the cache alias, checked by {@link #forTask}. */
    @Override
    protected Map<String, String> initArgs() {
        return JpaJobs.init(JpaJobs.INIT_QUERY, queryHash, cacheAlias());
    }

    /** This job, after checking that the task was made for the same query text and cache alias. */
    @Override
    protected Job<Map<String, Object>, List<R>> forTask(Map<String, String> init) {
        JpaJobs.checkInit(init, name(), JpaJobs.INIT_QUERY, queryHash, cacheAlias());
        return this;
    }

    private Map<String, Object> normalize(Map<String, Object> args) {
        Objects.requireNonNull(args, "args");
        TreeSet<String> unknown = new TreeSet<>(args.keySet());
        unknown.removeAll(parameters.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("Job " + name() + " has no query parameter named " + unknown
                    + "; its parameters: " + parameters.keySet());
        }
        TreeSet<String> missing = new TreeSet<>(parameters.keySet());
        missing.removeAll(args.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("Job " + name() + " needs a value for query parameter(s) " + missing
                    + "; its parameters: " + parameters.keySet());
        }
        Map<String, Object> normalized = new TreeMap<>();
        args.forEach((name, value) -> normalized.put(name, coerce(name, value)));
        return normalized;
    }

    private Object coerce(String parameter, Object value) {
        Class<?> type = parameters.get(parameter);
        String what = "parameter :" + parameter + " of job " + name();
        if (value instanceof Collection<?> values) {
            List<Object> converted = new ArrayList<>(values.size());
            for (Object element : values) {
                converted.add(type == null || type == Object.class || Collection.class.isAssignableFrom(type) ? element
                        : Values.coerce(element, type, cacheback().codec(), what));
            }
            return converted;
        }
        return type == null || type == Object.class ? value : Values.coerce(value, type, cacheback().codec(), what);
    }

    private static Map<String, Class<?>> parameters(EntityManagerFactory emf, String jpql, Class<?> resultClass) {
        Objects.requireNonNull(emf, "entityManagerFactory");
        Objects.requireNonNull(jpql, "jpql");
        Objects.requireNonNull(resultClass, "resultClass");
        EntityManager em = emf.createEntityManager();
        try {
            TypedQuery<?> query;
            try {
                query = em.createQuery(jpql, resultClass);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid JPQL query for a JpqlQueryJob of " + resultClass.getName()
                        + ": " + e.getMessage() + " (query: " + jpql + ")", e);
            }
            Map<String, Class<?>> parameters = new TreeMap<>();
            for (Parameter<?> parameter : query.getParameters()) {
                if (parameter.getName() == null) {
                    throw new IllegalArgumentException("JpqlQueryJob takes named parameters (:name), not positional "
                            + "ones (?" + parameter.getPosition() + "): " + jpql);
                }
                parameters.put(parameter.getName(), parameter.getParameterType());
            }
            return Collections.unmodifiableMap(parameters);
        } finally {
            em.close();
        }
    }

    private static String hash(String jpql) {
        Objects.requireNonNull(jpql, "jpql");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(jpql.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}

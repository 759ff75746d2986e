package dev.cacheback.jpa;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.TypeRef;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.TypedQuery;

import java.util.List;
import java.util.Map;

/**
 * Caches one entity found by equality filters: the seed's {@code QuerySetGetJob}, whose fetch is
 * {@code Model.objects.get(**filters)}. No subclassing needed:
 * <pre>{@code
 * EntityGetJob<User> users = new EntityGetJob<>(cacheback, User.class, emf, JobSettings.defaults());
 * User ada = users.get(Map.of("username", "ada"));          // cached; refreshed in the background
 * }</pre>
 *
 * <h2>Filters</h2>
 * The argument maps attribute paths to values; every filter must hold (SQL {@code =}, or {@code IS
 * NULL} for a {@code null} value in a map that allows it). A path is an attribute of the entity or a
 * chain of singular associations and embeddables ending at a basic attribute, as {@code "author.name"}
 * (associations become inner joins). Each call checks the filters against the entity's metamodel and
 * converts the values to the attributes' types (boxing, whole numbers that fit, the codec's string
 * forms; the rules are in the {@linkplain dev.cacheback.jpa package documentation}) before anything
 * else: an unknown attribute, a collection in the path or a value of the wrong type throws {@link
 * IllegalArgumentException} naming the entity and the attribute, and no query runs. Equal filters make
 * equal keys whatever the map's order or number classes.
 *
 * <h2>Key, name, tasks</h2>
 * The job's name is {@code "jpa.get:" + entityName}, followed by {@code "+" + path} for each fetch path
 * in sorted order ({@code "jpa.get:Book+author"}), unless {@link JobSettings#name()} sets one; its keys
 * are that name, {@code ':'}, and a hash of the converted filters (the seed's rule, prefixed by the
 * entity's name). Jobs of one runtime with the same name share entries and the worker runs the one
 * constructed last: construct one job per entity and fetch paths (with the same settings), or name
 * them apart. Refresh tasks carry the entity's name and the cache alias; a worker runs them only
 * with an {@code EntityGetJob} for the same entity constructed in the worker (same name, same alias),
 * and rejects them otherwise. Construct the job with the same settings in producers and workers.
 *
 * <h2>What is cached</h2>
 * Each fetch opens its own {@code EntityManager}, reads in a transaction it rolls back, and closes it:
 * the cached entity is detached. The entity and every entity reachable through its loaded
 * associations must be fully loaded, or the fetch throws {@link UncacheableResultException} naming
 * the attribute: name lazy associations as fetch paths, or cache a projection with a
 * {@link JpqlQueryJob}. The in-memory backend keeps the entity object itself (do not mutate it);
 * other backends keep the codec's JSON of its properties, so the entity must be encodable and
 * decodable by the codec (getters and setters, no cycles through bidirectional associations), or the
 * store fails with "Unable to save data of type …".
 *
 * <h2>Errors</h2>
 * No row: {@link NoResultForFiltersException}; more than one: {@link MultipleResultsForFiltersException}
 * (the seed's {@code DoesNotExist} and {@code MultipleObjectsReturned}). Either way nothing is cached,
 * and a refresh that hits one leaves the entry as it was.
 *
 * <p>Thread-safe. Arguments must not be {@code null}.
 *
 * @param <E> the entity class
 */
public final class EntityGetJob<E> extends Job<Map<String, Object>, E> {

    /** The prefix of the default job name. */
    public static final String NAME_PREFIX = "jpa.get:";

    private final EntityModel<E> model;
    private final Reads reads;

    /**
     * A get job on the {@linkplain Cacheback#makeDefault() default runtime} with default settings: the
     * seed's {@code QuerySetGetJob(model)}.
     *
     * @throws IllegalArgumentException when {@code entityClass} is not an entity of {@code emf}
     * @throws IllegalStateException    when there is no default runtime
     */
    public EntityGetJob(Class<E> entityClass, EntityManagerFactory emf) {
        this(Cacheback.getDefault(), entityClass, emf, JobSettings.defaults(), List.of());
    }

    /**
     * A get job on the default runtime: the seed's {@code QuerySetGetJob(model, lifetime, fetch_on_miss,
     * cache_alias, task_options)}, with those settings in {@code settings}.
     */
    public EntityGetJob(Class<E> entityClass, EntityManagerFactory emf, JobSettings settings) {
        this(Cacheback.getDefault(), entityClass, emf, settings, List.of());
    }

    /** A get job on {@code cacheback}. */
    public EntityGetJob(Cacheback cacheback, Class<E> entityClass, EntityManagerFactory emf, JobSettings settings) {
        this(cacheback, entityClass, emf, settings, List.of());
    }

    /**
     * A get job on {@code cacheback} that loads the associations named by {@code fetchPaths} with each
     * result (left fetch joins), as {@code List.of("author")} or {@code List.of("author.publisher")}.
     *
     * @throws IllegalArgumentException when {@code entityClass} is not an entity of {@code emf}, a fetch
     *     path does not name associations, the settings name an unknown cache alias, or the job name
     *     made from the entity's name is not usable in keys (set one with {@link JobSettings.Builder#name})
     */
    public EntityGetJob(Cacheback cacheback, Class<E> entityClass, EntityManagerFactory emf, JobSettings settings,
                        List<String> fetchPaths) {
        this(cacheback, new EntityModel<>(emf, entityClass, fetchPaths), settings);
    }

    private EntityGetJob(Cacheback cacheback, EntityModel<E> model, JobSettings settings) {
        super(cacheback, JpaJobs.named(settings, model.jobName(NAME_PREFIX)), JpaJobs.ARGS,
                TypeRef.of(model.entityClass()));
        this.model = model;
        this.reads = new Reads(model.emf());
    }

    /** The entity class read. */
    public Class<E> entityClass() {
        return model.entityClass();
    }

    /** The entity's name in its persistence unit. */
    public String entityName() {
        return model.name();
    }

    /** The associations loaded with each result. */
    public List<String> fetchPaths() {
        return model.fetchPaths();
    }

    /**
     * The seed's key rule on the converted filters.
     *
     * @throws IllegalArgumentException naming the entity and attribute, for a filter that does not fit the entity
     */
    @Override
    public String key(Map<String, Object> filters) {
        return super.key(model.normalize(filters, cacheback().codec()));
    }

    /**
     * Reads the one entity matching the filters.
     *
     * @throws NoResultForFiltersException        when none matches
     * @throws MultipleResultsForFiltersException when more than one matches
     * @throws UncacheableResultException         when the entity is not fully loaded
     */
    @Override
    protected E fetch(Map<String, Object> filters) {
        Map<String, Object> normalized = model.normalize(filters, cacheback().codec());
        List<E> rows = reads.read("EntityGetJob " + name(), em -> {
            TypedQuery<E> query = model.query(em, normalized);
            query.setHint(Reads.READ_ONLY_HINT, true);
            if (!model.hasPluralFetch()) {
                query.setMaxResults(2);
            }
            return query.getResultList();
        });
        if (rows.isEmpty()) {
            throw new NoResultForFiltersException(model.name(), normalized);
        }
        if (rows.size() > 1) {
            throw new MultipleResultsForFiltersException(model.name(), normalized);
        }
        return rows.get(0);
    }

    /** The entity's name and the cache alias, checked by {@link #forTask}. */
    @Override
    protected Map<String, String> initArgs() {
        return JpaJobs.init(JpaJobs.INIT_ENTITY, model.name(), cacheAlias());
    }

    /** This job, after checking that the task was made for the same entity and cache alias. */
    @Override
    protected Job<Map<String, Object>, E> forTask(Map<String, String> init) {
        JpaJobs.checkInit(init, name(), JpaJobs.INIT_ENTITY, model.name(), cacheAlias());
        return this;
    }
}

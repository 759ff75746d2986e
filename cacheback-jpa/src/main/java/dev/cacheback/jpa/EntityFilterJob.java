package dev.cacheback.jpa;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.TypedQuery;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Caches the list of entities matching equality filters: the seed's {@code QuerySetFilterJob}, whose
 * fetch is {@code Model.objects.filter(**filters)}. No subclassing needed:
 * <pre>{@code
 * EntityFilterJob<User> users = new EntityFilterJob<>(cacheback, User.class, emf, JobSettings.defaults());
 * List<User> staff = users.get(Map.of("staff", true));     // cached; refreshed in the background
 * }</pre>
 *
 * <p>Filters, keys, tasks, the rules for what is cached, and the errors for bad filters are those of
 * {@link EntityGetJob}; see there. The differences: the name is {@code "jpa.filter:" + entityName}
 * (then the fetch paths); the value is an unmodifiable list, empty when nothing matches (never an
 * error); an empty filter map reads every row. Rows come in the database's order: sort them yourself,
 * or use a {@link JpqlQueryJob} with {@code order by}.
 *
 * <p>Thread-safe. Arguments must not be {@code null}.
 *
 * @param <E> the entity class
 */
public final class EntityFilterJob<E> extends Job<Map<String, Object>, List<E>> {

    /** The prefix of the default job name. */
    public static final String NAME_PREFIX = "jpa.filter:";

    private final EntityModel<E> model;
    private final Reads reads;

    /**
     * A filter job on the {@linkplain Cacheback#makeDefault() default runtime} with default settings: the
     * seed's {@code QuerySetFilterJob(model)}.
     *
     * @throws IllegalArgumentException when {@code entityClass} is not an entity of {@code emf}
     * @throws IllegalStateException    when there is no default runtime
     */
    public EntityFilterJob(Class<E> entityClass, EntityManagerFactory emf) {
        this(Cacheback.getDefault(), entityClass, emf, JobSettings.defaults(), List.of());
    }

    /**
     * A filter job on the default runtime: the seed's {@code QuerySetFilterJob(model, lifetime,
     * fetch_on_miss, cache_alias, task_options)}, with those settings in {@code settings}.
     */
    public EntityFilterJob(Class<E> entityClass, EntityManagerFactory emf, JobSettings settings) {
        this(Cacheback.getDefault(), entityClass, emf, settings, List.of());
    }

    /** A filter job on {@code cacheback}. */
    public EntityFilterJob(Cacheback cacheback, Class<E> entityClass, EntityManagerFactory emf, JobSettings settings) {
        this(cacheback, entityClass, emf, settings, List.of());
    }

    /**
     * A filter job on {@code cacheback} that loads the associations named by {@code fetchPaths} with
     * each result (left fetch joins), as {@code List.of("author")}.
     *
     * @throws IllegalArgumentException as {@link EntityGetJob#EntityGetJob(Cacheback, Class, EntityManagerFactory,
     *     JobSettings, List) EntityGetJob's constructor}
     */
    public EntityFilterJob(Cacheback cacheback, Class<E> entityClass, EntityManagerFactory emf, JobSettings settings,
                           List<String> fetchPaths) {
        this(cacheback, new EntityModel<>(emf, entityClass, fetchPaths), settings);
    }

    private EntityFilterJob(Cacheback cacheback, EntityModel<E> model, JobSettings settings) {
        super(cacheback, JpaJobs.named(settings, model.jobName(NAME_PREFIX)), JpaJobs.ARGS,
                JpaJobs.listOf(model.entityClass()));
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
     * Reads every entity matching the filters.
     *
     * @throws UncacheableResultException when an entity is not fully loaded
     */
    @Override
    protected List<E> fetch(Map<String, Object> filters) {
        Map<String, Object> normalized = model.normalize(filters, cacheback().codec());
        List<E> rows = reads.read("EntityFilterJob " + name(), em -> {
            TypedQuery<E> query = model.query(em, normalized);
            query.setHint(Reads.READ_ONLY_HINT, true);
            return query.getResultList();
        });
        return Collections.unmodifiableList(new ArrayList<>(rows));
    }

    /** The entity's name and the cache alias, checked by {@link #forTask}. */
    @Override
    protected Map<String, String> initArgs() {
        return JpaJobs.init(JpaJobs.INIT_ENTITY, model.name(), cacheAlias());
    }

    /** This job, after checking that the task was made for the same entity and cache alias. */
    @Override
    protected Job<Map<String, Object>, List<E>> forTask(Map<String, String> init) {
        JpaJobs.checkInit(init, name(), JpaJobs.INIT_ENTITY, model.name(), cacheAlias());
        return this;
    }
}

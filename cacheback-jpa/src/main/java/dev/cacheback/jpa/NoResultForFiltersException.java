package dev.cacheback.jpa;

import dev.cacheback.CachebackException;

import java.util.Map;

/**
 * An {@link EntityGetJob} found no row for its filters: the seed's {@code Model.DoesNotExist}. Thrown
 * by the fetch, so nothing is cached and the next call queries again.
 */
public class NoResultForFiltersException extends CachebackException {

    private final String entityName;
    private final Map<String, Object> filters;

    public NoResultForFiltersException(String entityName, Map<String, Object> filters) {
        super("No " + entityName + " matches " + filters + " (the seed's DoesNotExist); nothing was cached");
        this.entityName = entityName;
        this.filters = Filters.copy(filters);
    }

    /** The entity's name in its persistence unit. */
    public String entityName() {
        return entityName;
    }

    /** The filters, as converted to the attributes' types; a {@code null} value meant IS NULL. */
    public Map<String, Object> filters() {
        return filters;
    }
}

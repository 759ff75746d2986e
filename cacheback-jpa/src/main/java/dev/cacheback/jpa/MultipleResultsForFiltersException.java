package dev.cacheback.jpa;

import dev.cacheback.CachebackException;

import java.util.Map;

/**
 * An {@link EntityGetJob} found more than one row for its filters: the seed's
 * {@code Model.MultipleObjectsReturned}. Thrown by the fetch, so nothing is cached. Use an
 * {@link EntityFilterJob} for filters that may match several rows.
 */
public class MultipleResultsForFiltersException extends CachebackException {

    private final String entityName;
    private final Map<String, Object> filters;

    public MultipleResultsForFiltersException(String entityName, Map<String, Object> filters) {
        super("More than one " + entityName + " matches " + filters + " (the seed's MultipleObjectsReturned); "
                + "nothing was cached. Filter on a unique attribute, or use an EntityFilterJob");
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

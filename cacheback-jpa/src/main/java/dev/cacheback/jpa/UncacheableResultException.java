package dev.cacheback.jpa;

import dev.cacheback.CachebackException;

/**
 * A JPA job's query returned a result that is not safe to cache: an association or attribute of it
 * (or of an entity reachable from it) was not loaded, so reading it after the job's entity manager
 * closed would fail, and a codec could not encode it. Thrown by the fetch, so nothing is stored.
 *
 * <p>The fix: load the association with the result (a fetch path of {@link EntityGetJob} or
 * {@link EntityFilterJob}, or {@code join fetch} in a {@link JpqlQueryJob}), or cache a projection
 * (a {@link JpqlQueryJob} with a constructor expression).
 */
public class UncacheableResultException extends CachebackException {

    private final String attribute;

    public UncacheableResultException(String message, String attribute) {
        super(message);
        this.attribute = attribute;
    }

    /** The attribute that was not loaded, as {@code Entity.attribute}. */
    public String attribute() {
        return attribute;
    }
}

/**
 * Cached ORM reads for Jakarta Persistence 3.1 or later: the seed's {@code QuerySetGetJob}
 * ({@link dev.cacheback.jpa.EntityGetJob}) and {@code QuerySetFilterJob}
 * ({@link dev.cacheback.jpa.EntityFilterJob}), which take the entity class instead of being
 * subclassed, and {@link dev.cacheback.jpa.JpqlQueryJob} for a JPQL query with named parameters.
 *
 * <h2>Values of filters and parameters</h2>
 * Before any query, each value is converted to the Java type of the attribute (or parameter) it is
 * compared with, by the same rules in the caller and in a worker (which sees values as the codec
 * decoded them): {@code null} means IS NULL (not allowed for primitive attributes); an instance of
 * the type (after boxing) is kept; a whole number converts to any whole-number type it fits
 * ({@code Integer} 5 for a {@code long} id); any number converts to {@code float}, {@code double} and
 * {@code BigDecimal} (stripped of trailing zeros); a string names an enum constant; a string or number
 * is read by the codec as any other type ({@code "2024-01-31"} for a {@code LocalDate}, a UUID's
 * canonical string). Anything else, as a string for a number or a number for a string, is the wrong
 * type: {@link java.lang.IllegalArgumentException} naming the entity and the attribute.
 *
 * <h2>What is cached</h2>
 * Every fetch uses its own {@code EntityManager}, closed before the fetch returns, so cached entities
 * are detached; a result that still holds an unloaded association is refused with
 * {@link dev.cacheback.jpa.UncacheableResultException} rather than cached to fail later. The in-memory
 * backend keeps the objects; byte-storing backends keep the codec's JSON of them.
 */
package dev.cacheback.jpa;

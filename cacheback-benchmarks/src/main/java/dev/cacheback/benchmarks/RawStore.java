package dev.cacheback.benchmarks;

/**
 * A cache reached through its raw client, for the cache-aside alternatives (read, on a miss load
 * and write; on stale data, the seed's read-then-write). Thread-safe.
 */
interface RawStore extends AutoCloseable {

    /** The string at {@code key}, or {@code null}. */
    String get(String key);

    /** Stores {@code value} at {@code key} for an hour. */
    void set(String key, String value);

    /** Removes {@code key}. */
    void delete(String key);

    /** What the store is, for the report. */
    String describe();

    @Override
    void close();
}

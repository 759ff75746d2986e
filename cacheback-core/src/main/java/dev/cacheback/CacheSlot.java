package dev.cacheback;

import dev.cacheback.internal.ErrorLog;
import dev.cacheback.spi.CacheBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One named cache of a runtime and its health: what a job resolves once and then uses on every call,
 * so that the hit path needs no lookup to report that the cache answered.
 */
final class CacheSlot {

    private static final Logger log = LoggerFactory.getLogger("cacheback");

    private final String alias;
    private final CacheBackend backend;
    private final ErrorLog errorLog;
    private final CachebackListener listener;
    private final AtomicBoolean failing = new AtomicBoolean();

    CacheSlot(String alias, CacheBackend backend, ErrorLog errorLog, CachebackListener listener) {
        this.alias = alias;
        this.backend = backend;
        this.errorLog = errorLog;
        this.listener = listener;
    }

    String alias() {
        return alias;
    }

    CacheBackend backend() {
        return backend;
    }

    /** The single-flight key of {@code key} in this cache. */
    String flightKey(String key) {
        return alias + '\u0000' + key;
    }

    /** The cache answered: if it was failing, say once that it is back. One volatile read otherwise. */
    void answered() {
        if (failing.get() && failing.compareAndSet(true, false) && errorLog.recovered("cache:" + alias)) {
            log.info("Cache \"{}\" ({}) answers again", alias, backend.describe());
        }
    }

    /** An operation failed and the caller is answered without the cache: logged at most once per interval. */
    void failed(String operation, RuntimeException e) {
        failing.set(true);
        errorLog.error("cache:" + alias, "Cache \"" + alias + "\" (" + backend.describe() + ") failed on " + operation
                + "; answering without it (fetching in the caller's thread where needed): " + e, e);
        listener.onBackendError(alias, operation, e);
    }
}

/**
 * Cacheback core: the job engine ({@code dev.cacheback}) and the plug-in contracts
 * ({@code dev.cacheback.spi}). {@code dev.cacheback.internal} is exported only to this project's
 * own transport modules and Spring starter, never to applications.
 *
 * <p>Jobs whose arguments or values are the application's own types are encoded by Jackson: a
 * module that declares such types opens their package to {@code tools.jackson.databind}.
 * Standalone workers find job catalogs with {@link java.util.ServiceLoader}: a module that
 * {@code provides dev.cacheback.spi.JobCatalog} is found on the module path as well.
 */
module dev.cacheback {
    requires transitive tools.jackson.databind;
    requires com.github.benmanes.caffeine;
    requires org.slf4j;

    exports dev.cacheback;
    exports dev.cacheback.spi;
    // LogText for the backplanes' log lines, KeyMemo's value types for the starter's argument memo;
    // nothing else outside core reads internal
    exports dev.cacheback.internal to dev.cacheback.redis, dev.cacheback.rabbitmq, dev.cacheback.spring;

    uses dev.cacheback.spi.JobCatalog;
}

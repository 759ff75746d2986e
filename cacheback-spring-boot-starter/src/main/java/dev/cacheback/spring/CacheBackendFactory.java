package dev.cacheback.spring;

import dev.cacheback.spi.CacheBackend;

/** Creates the caches of one {@link CachebackProperties.CacheType}; one bean per optional module present. */
interface CacheBackendFactory {

    CachebackProperties.CacheType type();

    CacheBackend create(String alias, CachebackProperties.Cache cache);
}

package dev.cacheback.spring;

import dev.cacheback.spi.Backplane;

/** Creates the backplanes of one {@link CachebackProperties.BackplaneType}; one bean per optional module present. */
interface BackplaneFactory {

    CachebackProperties.BackplaneType type();

    /**
     * A backplane for the near level of the cache under {@code prefix} ({@code cacheback.caches.<alias>}).
     *
     * @param address the backplane's server, already resolved and required
     * @throws CachebackConfigurationException naming the property to fix
     */
    Backplane create(String prefix, String address, CachebackProperties.Near near);
}

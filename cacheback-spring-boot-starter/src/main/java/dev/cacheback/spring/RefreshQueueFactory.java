package dev.cacheback.spring;

import dev.cacheback.spi.RefreshQueue;

/** Creates the refresh queue of one {@link CachebackProperties.QueueType}; one bean per optional module present. */
interface RefreshQueueFactory {

    /** {@code cacheback.queue}, for messages. */
    String PREFIX = "cacheback.queue";

    CachebackProperties.QueueType type();

    /**
     * The queue from its properties (its address and the options group of its type) and the worker's.
     *
     * @throws CachebackConfigurationException naming the property to fix
     */
    RefreshQueue create(CachebackProperties.Queue queue, CachebackProperties.Worker worker);
}

package dev.cacheback.spring;

import dev.cacheback.spi.RefreshQueue;

/** Creates the refresh queue of one {@link CachebackProperties.QueueType}; one bean per optional module present. */
interface RefreshQueueFactory {

    CachebackProperties.QueueType type();

    RefreshQueue create(CachebackProperties.Queue queue, CachebackProperties.Worker worker);
}

/**
 * Cacheback on Redis: a cache backend (standalone and Redis Cluster) and a Redis Streams refresh
 * queue with its worker, on Lettuce.
 */
module dev.cacheback.redis {
    requires transitive dev.cacheback;
    requires lettuce.core;
    requires org.slf4j;
    requires java.management;

    exports dev.cacheback.redis;
}

/**
 * Redis for Cacheback: {@link dev.cacheback.redis.RedisCacheBackend} (a cache backend, standalone or
 * Redis Cluster), {@link dev.cacheback.redis.RedisRefreshQueue} (a refresh queue on Redis Streams,
 * whose worker runs in the application or in any number of processes) and
 * {@link dev.cacheback.redis.RedisWorkerMain} (the standalone worker's command). Built on Lettuce.
 */
package dev.cacheback.redis;

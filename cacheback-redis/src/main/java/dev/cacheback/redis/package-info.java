/**
 * Redis for Cacheback, on Lettuce.
 *
 * <ul>
 *   <li>{@link dev.cacheback.redis.RedisCacheBackend}: a shared cache backend, standalone or Redis
 *       Cluster. Owned leases ({@code SET key:lease <token> NX PX}, released and extended by
 *       compare-and-delete / compare-and-{@code PEXPIRE} scripts) and fenced writes (a set-if-version
 *       script), each script on one key and run by {@code EVALSHA}.</li>
 *   <li>{@link dev.cacheback.redis.RedisRefreshQueue}: a refresh queue on Redis Streams whose worker
 *       runs in the application or in any number of processes. It only moves tasks: the runtime's
 *       {@link dev.cacheback.WorkerEngine} decides acknowledge ({@code XACK}, {@code XDEL}), retry after
 *       a backoff (the sorted set {@code <stream>:delayed}) or dead-letter ({@code <stream>:dead}).
 *       Running tasks send heartbeats ({@code XCLAIM … JUSTID}) so they are never claimed by a second
 *       worker; a worker reads its own pending entries first after (re)connecting, so a Redis restart
 *       loses no task.</li>
 *   <li>{@link dev.cacheback.redis.RedisBackplane}: a backplane on Redis pub/sub for near caches
 *       ({@link dev.cacheback.spi.CacheBackend#tiered}).</li>
 *   <li>{@link dev.cacheback.redis.RedisWorkerMain}: the standalone worker's command, on
 *       {@link dev.cacheback.WorkerLauncher}.</li>
 * </ul>
 *
 * <p>Bounded waits (DESIGN.md F5, F6): every command waits at most its command timeout (default 1 s);
 * after one timeout or connection failure, a connection's commands fail at once until a probe (every
 * {@code probeInterval}, default 1 s) is answered; connections are made again at most 2 s apart.
 * Passwords in URIs never appear in messages or descriptions.
 */
package dev.cacheback.redis;

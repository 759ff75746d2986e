/**
 * The plug-in contracts: where a cache server, a task broker or a serialization format is attached
 * to Cacheback.
 *
 * <p>Small contracts, each implemented once per integration module:
 * <ul>
 *   <li>{@link dev.cacheback.spi.CacheBackend} stores opaque entries under string keys with a time
 *       to live, and offers the atomic lease that limits refreshes to one per key. Byte-oriented
 *       stores extend {@link dev.cacheback.spi.BytesCacheBackend} and implement four methods.</li>
 *   <li>{@link dev.cacheback.spi.RefreshQueue} carries {@link dev.cacheback.spi.RefreshTask}s from
 *       the process that found a stale entry to a worker that refreshes it.</li>
 *   <li>{@link dev.cacheback.spi.Codec} turns arguments and values into bytes and back, always with
 *       the type the job declares; it never reads a type name from the payload.</li>
 *   <li>{@link dev.cacheback.spi.Backplane} carries invalidations between the near levels of a
 *       tiered cache ({@link dev.cacheback.spi.CacheBackend#tiered}); transports extend
 *       {@link dev.cacheback.spi.AbstractBackplane}, which owns the message format and the heartbeat
 *       that bounds how long a process may miss an invalidation.</li>
 * </ul>
 *
 * <p>The rules of the cache (what is a hit, when to fetch, when to enqueue) live in
 * {@link dev.cacheback.Job} alone, so an implementation of these contracts only moves bytes: every
 * backend and queue then behaves the same. The {@code cacheback-test} module publishes contract
 * tests that an implementation runs against its real server.
 *
 * <p>Implementations must be thread-safe. They report failures by throwing the exceptions declared
 * here; the engine catches them, logs them (at most once per interval for a failing server) and
 * degrades: a backend that cannot be read means a fetch in the caller's thread, a queue that
 * refuses a task means a synchronous refresh.
 */
package dev.cacheback.spi;

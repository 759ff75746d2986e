/**
 * A memcached cache backend: {@link dev.cacheback.memcached.MemcachedCacheBackend}, on one or
 * several servers through xmemcached's text protocol, with consistent hashing, the refresh lease as
 * memcached's {@code add}, and memcached's key, expiry and item-size rules handled here rather than
 * left to surprise the caller.
 */
package dev.cacheback.memcached;

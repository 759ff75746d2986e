/**
 * A memcached cache backend: {@link dev.cacheback.memcached.MemcachedCacheBackend}, on one or
 * several servers through xmemcached's text protocol, with consistent hashing; an owned refresh lease
 * (an {@code add} of a token, released and extended with {@code gets}/{@code cas} on that token, a
 * {@code free} marker instead of a delete); refreshes fenced with {@code gets}/{@code cas} (or
 * {@code add} over no entry); a breaker per server, so a server that stops answering costs a caller
 * at most one operation timeout and then fails fast until a probe is answered; an optional key
 * prefix; and memcached's key, expiry (relative up to 30 days, absolute beyond) and item-size rules
 * handled here rather than left to surprise the caller.
 */
package dev.cacheback.memcached;

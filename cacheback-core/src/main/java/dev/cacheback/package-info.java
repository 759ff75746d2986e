/**
 * Cacheback: serve expensive reads from a cache and refresh them in the background.
 *
 * <p>Start with {@link dev.cacheback.Job} (subclass it and implement {@code fetch}) or
 * {@link dev.cacheback.CachedFunction} (wrap a function), on a {@link dev.cacheback.Cacheback}
 * runtime. Plug-in contracts for cache servers, task brokers and codecs are in
 * {@link dev.cacheback.spi}.
 */
package dev.cacheback;

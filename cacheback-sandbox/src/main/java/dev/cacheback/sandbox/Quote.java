package dev.cacheback.sandbox;

import java.time.Instant;

/**
 * What the slow source returns.
 *
 * @param symbol      the symbol asked for
 * @param price       a made-up price
 * @param version     how many times the source was read for this symbol and path
 * @param fetchedAt   when the source produced it
 * @param fetchMillis how long the source took
 */
public record Quote(String symbol, double price, int version, Instant fetchedAt, long fetchMillis) {
}

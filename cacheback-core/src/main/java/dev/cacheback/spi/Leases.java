package dev.cacheback.spi;

import java.util.concurrent.ThreadLocalRandom;

/** Helpers for {@link CacheBackend#tryLease} implementations. */
public final class Leases {

    private Leases() {
    }

    /**
     * A new lease token: 16 lower-case hex digits (64 random bits), printable and safe in any store's
     * value. Thread-safe.
     */
    public static String newToken() {
        long bits = ThreadLocalRandom.current().nextLong();
        String hex = Long.toHexString(bits);
        return "0".repeat(16 - hex.length()) + hex;
    }
}

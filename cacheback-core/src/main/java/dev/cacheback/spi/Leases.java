package dev.cacheback.spi;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

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

    /**
     * The two-call form of {@link CacheBackend#tryLeaseAndSetIfVersion}, for backends that cannot do
     * both in one step: takes the lease of {@code key} on {@code backend}, then runs {@code store};
     * gives the lease back when {@code store} says it did not store, or throws.
     *
     * @return the token, or {@code null} when the lease is held or nothing was stored
     */
    public static String takeThenStore(CacheBackend backend, String key, Duration leaseTtl, BooleanSupplier store) {
        String token = backend.tryLease(key, leaseTtl);
        if (token == null) {
            return null;
        }
        boolean stored;
        try {
            stored = store.getAsBoolean();
        } catch (RuntimeException e) {
            try {
                backend.releaseLease(key, token);
            } catch (RuntimeException release) {
                e.addSuppressed(release);
            }
            throw e;
        }
        if (!stored) {
            backend.releaseLease(key, token);
            return null;
        }
        return token;
    }
}

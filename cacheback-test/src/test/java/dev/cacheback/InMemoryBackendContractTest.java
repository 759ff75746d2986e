package dev.cacheback;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CacheBackendContract;
import dev.cacheback.test.LocalBackplane;
import org.junit.jupiter.api.Nested;

/** The backend contract on the in-memory backend, in both storage modes, and with a near level in front of it. */
class InMemoryBackendContractTest {

    @Nested
    class SharingReferences extends CacheBackendContract {
        @Override
        protected CacheBackend newBackend() {
            return CacheBackend.inMemory();
        }

        @Override
        protected boolean serverTimeFollowsClock() {
            return true;
        }
    }

    @Nested
    class StoringCopies extends CacheBackendContract {
        @Override
        protected CacheBackend newBackend() {
            return CacheBackend.inMemory(1_000, true);
        }

        @Override
        protected boolean serverTimeFollowsClock() {
            return true;
        }
    }

    @Nested
    class TieredOverStoringCopies extends CacheBackendContract {
        @Override
        protected CacheBackend newBackend() {
            return CacheBackend.tiered(CacheBackend.inMemory(1_000, true),
                    NearCache.builder().backplane(new LocalBackplane().join()).build());
        }

        @Override
        protected boolean serverTimeFollowsClock() {
            return true;
        }
    }
}

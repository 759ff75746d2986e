package dev.cacheback.memcached;

import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.CorruptEntryException;
import dev.cacheback.test.CacheBackendContract;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The backend contract (SPI, lease, stampede, corrupt bytes, job semantics) against the shared memcached. */
class MemcachedCacheBackendContractTest extends CacheBackendContract {

    /** The shared memcached's address, after checking it is reachable (fails in CI, skips elsewhere). */
    static String address() {
        String address = TestServers.memcachedAddress();
        int colon = address.lastIndexOf(':');
        TestServers.require("memcached", address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        return address;
    }

    @Override
    protected CacheBackend newBackend() {
        return MemcachedCacheBackend.builder(address()).build();
    }

    @Override
    protected void writeForeignBytes(String key, byte[] bytes) {
        try (MemcachedText raw = new MemcachedText(address())) {
            raw.set(key, 0, 300, bytes);
        }
    }

    /** Deserializing it would trip the wire. */
    static final class Tripwire implements Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean TRIPPED = new AtomicBoolean();

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            TRIPPED.set(true);
        }
    }

    @Test
    void corruptBytesReadAsAMissAreOverwrittenAndNeverDeserialized() throws IOException {
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix + ".foreign").build());
        ByteArrayOutputStream serialized = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(serialized)) {
            out.writeObject(new Tripwire());
        }
        // flags 1: what xmemcached's SerializingTranscoder marks a Java-serialized object with
        try (MemcachedText raw = new MemcachedText(address())) {
            raw.set(job.key("c"), 1, 300, serialized.toByteArray());
        }

        assertThatThrownBy(() -> backend.get(job.key("c"), dev.cacheback.spi.EntryCodec.of(cacheback.codec(), String.class)))
                .isInstanceOf(CorruptEntryException.class);
        assertThat(job.get("c")).isEqualTo("c#1");
        assertThat(events.count("corrupt")).isPositive();
        assertThat(job.rawGet("c").orElseThrow().data()).isEqualTo("c#1");
        assertThat(job.get("c")).isEqualTo("c#1");
        assertThat(job.fetches()).isEqualTo(1);
        assertThat(Tripwire.TRIPPED).isFalse();
    }
}

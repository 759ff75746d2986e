package dev.cacheback.benchmarks;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.Codec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The candidate key fast path measured in {@link HitPathBenchmark} is only worth proposing if it
 * gives byte-identical keys to core's {@code Job.key}: checked here against the real job and codec,
 * on awkward strings too (those must fall back rather than differ).
 */
class KeyFastPathTest {

    private final Cacheback cacheback = Cacheback.builder().build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    @Test
    void stringKeysMatchCoreKeysOrFallBack() {
        Job<String, String> job = new BenchJob(cacheback, JobSettings.builder().name("bench.keys").build(), 0);
        List<String> samples = new ArrayList<>(List.of("", "a", "user-100001", "a/b", "x y", "~!@#$%^&*()_+{}|:<>?`-=[];',./",
                "quote\"", "back\\slash", "tab\t", "nl\n", "\u007f", "é", "日本", "\u2028", "😀", "x".repeat(254), "x".repeat(300)));
        Random random = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            boolean mixed = i % 2 == 0;
            char[] chars = new char[random.nextInt(40)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = (char) (mixed && random.nextInt(10) == 0 ? random.nextInt(0x3000) : 0x20 + random.nextInt(0x5f));
            }
            samples.add(new String(chars));
        }
        int fast = 0;
        for (String s : samples) {
            String candidate = KeyFastPath.key(job.name(), s);
            if (candidate != null) {
                fast++;
                assertThat(candidate).as("key of %s", s).isEqualTo(job.key(s));
            }
        }
        assertThat(fast).as("the fast path must take plain ASCII strings").isGreaterThan(500);
        assertThat(KeyFastPath.key("bench.keys", "quote\"")).isNull();
        assertThat(KeyFastPath.key("bench.keys", "é")).isNull();
    }

    @Test
    void otherTypesWriteTheCodecsBytes() {
        Codec codec = Codec.jackson();
        byte[] buf = new byte[256];
        for (Object value : new Object[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 42L, Long.MIN_VALUE, true, false,
                UUID.randomUUID(), "plain"}) {
            int n = KeyFastPath.json(value, buf);
            assertThat(new String(buf, 0, n, StandardCharsets.UTF_8)).as("%s", value)
                    .isEqualTo(new String(codec.encode(value, value.getClass()), StandardCharsets.UTF_8));
        }
        assertThat(KeyFastPath.json(1.5d, buf)).as("doubles are left to the codec").isEqualTo(-1);
    }
}

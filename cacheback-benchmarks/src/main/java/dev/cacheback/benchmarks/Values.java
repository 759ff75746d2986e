package dev.cacheback.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** The key set and the values every benchmark uses, identical for Cacheback and the alternatives. */
final class Values {

    /** Distinct keys in the hit-path benchmarks: "many keys", a power of two for cheap cycling. */
    static final int KEY_COUNT = 16_384;

    private Values() {
    }

    /** {@code count} distinct argument strings ("user-12345"), shuffled with a fixed seed. */
    static String[] keys(int count) {
        List<String> keys = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            keys.add("user-" + (100_000 + i));
        }
        Collections.shuffle(keys, new Random(42));
        return keys.toArray(new String[0]);
    }

    /** A value of about 100 bytes, as a small cached record would be. */
    static String valueFor(String key) {
        return "{\"id\":\"" + key + "\",\"name\":\"A user called " + key + "\",\"plan\":\"pro\",\"active\":true,\"n\":1}";
    }
}

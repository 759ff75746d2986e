package dev.cacheback;

import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DESIGN.md S13: the default key, and the rules for keys and arguments. */
class KeyTest {

    private final Cacheback cacheback = Cacheback.builder().queue(new ManualRefreshQueue()).build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    record Query(String name, int page, List<String> tags, Instant since) {
    }

    static final class QueryJob extends Job<Query, String> {
        QueryJob(Cacheback cacheback, String name) {
            super(cacheback, JobSettings.builder().name(name).build());
        }

        @Override
        protected String fetch(Query args) {
            return args.toString();
        }
    }

    static final class MapJob extends Job<Map<String, Object>, String> {
        MapJob(Cacheback cacheback) {
            super(cacheback, JobSettings.builder().name("maps").build());
        }

        @Override
        protected String fetch(Map<String, Object> args) {
            return args.toString();
        }
    }

    private CountingJob job(String name) {
        return new CountingJob(cacheback, JobSettings.builder().name(name).build());
    }

    @Test
    void theDefaultKeyIsTheNameAndA128BitHashOfTheCanonicalArguments() {
        // the golden value pins the encoding: a change here breaks every deployed cache
        assertThat(job("users").key("ada")).isEqualTo("users:" + sha256Prefix("\"ada\""));
        assertThat(job("users").key("ada")).matches("users:[0-9a-f]{32}");
    }

    @Test
    void keysAreStableForEqualArgumentsWhateverTheirMapOrder() {
        MapJob job = new MapJob(cacheback);
        Map<String, Object> ab = new LinkedHashMap<>();
        ab.put("a", 1);
        ab.put("b", "x");
        Map<String, Object> ba = new LinkedHashMap<>();
        ba.put("b", "x");
        ba.put("a", 1);
        assertThat(job.key(ab)).isEqualTo(job.key(ba));
        assertThat(job.key(ab)).isNotEqualTo(job.key(Map.of("a", 2, "b", "x")));
    }

    @Test
    void recordArgumentsMakeKeysToo() {
        QueryJob job = new QueryJob(cacheback, "queries");
        Query q = new Query("books", 2, List.of("a", "b"), Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(job.key(q)).isEqualTo(job.key(new Query("books", 2, List.of("a", "b"), Instant.parse("2030-01-01T00:00:00Z"))));
        assertThat(job.key(q)).isNotEqualTo(job.key(new Query("books", 3, List.of("a", "b"), Instant.parse("2030-01-01T00:00:00Z"))));
    }

    @Test
    void rememberedKeysAreTheComputedOnesAndTheMemoStaysBounded() {
        try (Cacheback small = Cacheback.builder().queue(new ManualRefreshQueue()).keyMemoSize(100).build()) {
            CountingJob job = new CountingJob(small, JobSettings.builder().name("memo").build());
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 3000; i++) {
                    assertThat(job.key("k" + i)).isEqualTo("memo:" + sha256Prefix("\"k" + i + "\""));
                }
            }
            assertThat(small.keyMemo("memo").size()).isBetween(1, 100);
            assertThat(job.key("42")).isNotEqualTo(new CountingJob(small, JobSettings.builder().name("other").build()).key("42"));
        }
    }

    @Test
    void mutableArgumentsAreNeverRemembered() {
        MapJob job = new MapJob(cacheback);
        Map<String, Object> args = new java.util.HashMap<>(Map.of("a", 1));
        String before = job.key(args);
        args.put("a", 2);
        assertThat(job.key(args)).isNotEqualTo(before);
        assertThat(cacheback.keyMemo("maps").size()).isZero();
    }

    static final class ObjectJob extends Job<Object, String> {
        ObjectJob(Cacheback cacheback, String name) {
            super(cacheback, JobSettings.builder().name(name).build());
        }

        @Override
        protected String fetch(Object args) {
            return String.valueOf(args);
        }
    }

    /** A subclass of a value type that is not immutable: never remembered, whatever its superclass. */
    static final class MutableDecimal extends java.math.BigDecimal {
        MutableDecimal(String value) {
            super(value);
        }
    }

    @Test
    void immutableValuesAreRememberedAsTheirComputedKeysAndOnlyThey() {
        ObjectJob job = new ObjectJob(cacheback, "values");
        List<Object> values = List.of("s", 1, 2L, (short) 3, (byte) 4, 1.5, 2.5f, true, 'c', new java.math.BigInteger("12"),
                new java.math.BigDecimal("1.50"), java.util.UUID.fromString("00000000-0000-0000-0000-000000000001"),
                java.time.Duration.ofSeconds(5), java.time.Period.ofDays(2), Instant.parse("2030-01-01T00:00:00Z"),
                java.time.LocalDate.of(2030, 1, 1), java.time.ZoneOffset.UTC, java.time.DayOfWeek.MONDAY,
                java.util.concurrent.TimeUnit.SECONDS);
        for (Object value : values) {
            String computed = job.key(value);
            assertThat(job.key(value)).as("%s (%s)", value, value.getClass()).isEqualTo(computed);
        }
        assertThat(cacheback.keyMemo("values").size()).isEqualTo(values.size());

        java.util.concurrent.atomic.AtomicLong counter = new java.util.concurrent.atomic.AtomicLong(1);
        String one = job.key(counter);
        counter.set(2);
        assertThat(job.key(counter)).isNotEqualTo(one);
        job.key(new MutableDecimal("1.50"));
        assertThat(cacheback.keyMemo("values").size()).as("mutable types are not remembered").isEqualTo(values.size());
        assertThat(dev.cacheback.internal.KeyMemo.isValueType(MutableDecimal.class)).isFalse();
        assertThat(dev.cacheback.internal.KeyMemo.isValueType(java.util.Date.class)).isFalse();
    }

    @Test
    void differentJobsNeverShareKeys() {
        assertThat(job("a").key("x")).isNotEqualTo(job("b").key("x"));
    }

    @Test
    void keysAreSafeForMemcachedWhateverTheArguments() {
        String key = job("j").key("a key with spaces, \n newlines and ünïcödé " + "x".repeat(10_000));
        assertThat(key).hasSizeLessThanOrEqualTo(250).matches("[!-~]+");
    }

    @Test
    void anArgumentThatCannotBeEncodedFailsAtGetNamingItsType() {
        class Opaque {
        }
        Job<Object, String> job = new Job<>(cacheback, JobSettings.builder().name("opaque").build(),
                TypeRef.of(Object.class), TypeRef.of(String.class)) {
            @Override
            protected String fetch(Object args) {
                return "x";
            }
        };
        assertThatThrownBy(() -> job.get(new Opaque())).isInstanceOf(CachebackException.class)
                .hasMessageContaining(Opaque.class.getName()).hasMessageContaining("opaque");
    }

    @Test
    void aKeyOverrideThatBreaksTheRuleFailsNamingTheJobAndTheRule() {
        CountingJob spaces = new CountingJob(cacheback, JobSettings.builder().name("spaces").build()) {
            @Override
            public String key(String args) {
                return "user " + args;
            }
        };
        assertThatThrownBy(() -> spaces.get("ada")).isInstanceOf(CachebackException.class)
                .hasMessageContaining("spaces").hasMessageContaining("a space");
        CountingJob tooLong = new CountingJob(cacheback, JobSettings.builder().name("long").build()) {
            @Override
            public String key(String args) {
                return "k".repeat(241);
            }
        };
        assertThatThrownBy(() -> tooLong.get("ada")).hasMessageContaining("241 bytes").hasMessageContaining("240");
        CountingJob empty = new CountingJob(cacheback, JobSettings.builder().name("empty").build()) {
            @Override
            public String key(String args) {
                return "";
            }
        };
        assertThatThrownBy(() -> empty.get("ada")).hasMessageContaining("empty");
        CountingJob control = new CountingJob(cacheback, JobSettings.builder().name("control").build()) {
            @Override
            public String key(String args) {
                return "a\u0007b";
            }
        };
        assertThatThrownBy(() -> control.get("ada")).hasMessageContaining("control character U+0007");
    }

    @Test
    void aValidKeyOverrideIsUsed() {
        CountingJob custom = new CountingJob(cacheback, JobSettings.builder().name("custom").build()) {
            @Override
            public String key(String args) {
                return "user:" + args;
            }
        };
        custom.get("ada");
        assertThat(cacheback.cache("default").get("user:ada",
                dev.cacheback.spi.EntryCodec.of(cacheback.codec(), String.class))).isNotNull();
    }

    @Test
    void jobNamesMustBeUsableInKeys() {
        assertThatThrownBy(() -> JobSettings.builder().name("has space")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has space");
        assertThatThrownBy(() -> JobSettings.builder().name("x".repeat(201))).hasMessageContaining("200");
    }

    private static String sha256Prefix(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                sb.append(String.format("%02x", d[i]));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** A key override that makes a key with a space: invalid by the rule. */
    static final class SpacedKeyJob extends CountingJob {
        private final boolean checks;

        SpacedKeyJob(Cacheback cacheback, String name, boolean checks) {
            super(cacheback, JobSettings.builder().name(name).build());
            this.checks = checks;
        }

        @Override
        public String key(String args) {
            return name() + ":" + args;
        }

        @Override
        protected boolean checksKey(String args) {
            return checks;
        }
    }

    @Test
    void aKeyOverridesResultIsCheckedOnEveryCallUnlessTheJobSaysItIsADefaultKey() {
        SpacedKeyJob checked = new SpacedKeyJob(cacheback, "spaced", true);
        assertThat(checked.get("fine")).isEqualTo("fine#1");
        assertThatThrownBy(() -> checked.get("with space")).isInstanceOf(CachebackException.class)
                .hasMessageContaining("invalid cache key \"spaced:with space\"").hasMessageContaining("key() override")
                .hasMessageContaining("printable ASCII without spaces");
        assertThat(checked.fetches()).isEqualTo(1);
        SpacedKeyJob trusted = new SpacedKeyJob(cacheback, "trusted", false);
        assertThat(trusted.get("with space")).as("checksKey false: the job vouches for its key").isEqualTo("with space#1");
    }
}

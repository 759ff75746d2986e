package dev.cacheback.spring;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.TypeRef;
import dev.cacheback.spi.Codec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The key of a {@link Cached @Cached} method call found through its {@link ArgumentMemo} is
 * byte-identical to the key computed as before the memo existed (each argument encoded by the codec as
 * its declared type, the list of encodings encoded again, SHA-256, 32 hex digits), for every argument
 * shape, on the call that fills the memo and on the equal call that reads it (and a refresh task carries
 * the same bytes either way); arguments that are not immutable values are never remembered; values
 * that are equal but encode differently never share a remembered key.
 */
class MethodKeyIdentityTest {

    enum Plan { FREE, PRO { @Override public String toString() { return "pro!"; } } }

    public record Point(int x, double y) {
    }

    public record Query(String symbol, LocalDate day, Plan plan, Point at, UUID id) {
    }

    public record Other(String symbol) {
    }

    public record Same(String symbol) {
    }

    /** Equal ignoring case: a looser equals than its JSON, which the memo must not trust. */
    public record Loose(String symbol) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Loose l && l.symbol.equalsIgnoreCase(symbol);
        }

        @Override
        public int hashCode() {
            return symbol.toLowerCase(java.util.Locale.ROOT).hashCode();
        }
    }

    public record Holder(List<String> names) {
    }

    public static final class Bean {
        public String name;

        public Bean(String name) {
            this.name = name;
        }
    }

    /** One method per parameter shape; the bodies never run. */
    public static class Shapes {
        @Cached public String none() { return ""; }
        @Cached public String text(String s) { return s; }
        @Cached public String primitives(int i, long l, double d, float f, boolean b, char c, short s, byte y) { return ""; }
        @Cached public String boxes(Integer i, Long l, Double d, Boolean b, Character c) { return ""; }
        @Cached public String big(BigInteger i, BigDecimal d) { return ""; }
        @Cached public String enums(Plan p, DayOfWeek d, Month m) { return ""; }
        @Cached public String uuid(UUID id) { return ""; }
        @Cached public String time(Instant i, LocalDate d, LocalTime t, LocalDateTime dt, OffsetTime ot,
                OffsetDateTime odt, ZonedDateTime z, Duration du, Period p, Year y, YearMonth ym, MonthDay md,
                ZoneOffset zo) { return ""; }
        @Cached public String record(Query q) { return ""; }
        @Cached public String nested(Point p, String s, Query q) { return ""; }
        @Cached public String any(Object o) { return ""; }
        @Cached public String two(Object a, Object b) { return ""; }
        @Cached public String loose(Loose l) { return ""; }
        @Cached public String list(List<String> names) { return ""; }
        @Cached public String array(String[] names) { return ""; }
        @Cached public String map(Map<String, Integer> weights) { return ""; }
        @Cached public String holder(Holder h) { return ""; }
        @Cached public String bean(Bean b) { return ""; }
    }

    private static final Instant INSTANT = Instant.parse("2026-11-30T18:00:00.123456789Z");

    private final Cacheback cacheback = Cacheback.builder().build();
    private final Map<String, MethodJob> jobs = new LinkedHashMap<>();

    @AfterEach
    void close() {
        cacheback.close();
    }

    /** Argument tuples per method; each supplier makes new, equal instances on every call. */
    private static Map<String, List<Supplier<Object[]>>> valueShapes() {
        Map<String, List<Supplier<Object[]>>> shapes = new LinkedHashMap<>();
        shapes.put("none", List.of(() -> new Object[0]));
        shapes.put("text", List.of(() -> new Object[] {new String("user-1")}, () -> new Object[] {""},
                () -> new Object[] {null}, () -> new Object[] {new String("null")}, () -> new Object[] {"é \"q\" \n ☃ 😀"},
                () -> new Object[] {"x".repeat(5_000)}));
        shapes.put("primitives", List.of(() -> new Object[] {1, 2L, 0.5, 1.5f, true, 'c', (short) 3, (byte) 4},
                () -> new Object[] {Integer.MIN_VALUE, Long.MAX_VALUE, -0.0, Float.NaN, false, '\u0000', (short) -1, (byte) -128},
                () -> new Object[] {1_000_000, 1L << 40, 0.0, Float.POSITIVE_INFINITY, true, '"', Short.MAX_VALUE, (byte) 0},
                () -> new Object[] {7, 7L, 1e300, 1e-30f, false, 'é', (short) 0, (byte) 127}));
        shapes.put("boxes", List.of(() -> new Object[] {1000, 1000L, 1000.0, Boolean.TRUE, 'x'},
                () -> new Object[] {null, null, null, null, null}, () -> new Object[] {-1, 0L, Double.NaN, false, null}));
        shapes.put("big", List.of(() -> new Object[] {new BigInteger("123456789012345678901234567890"), new BigDecimal("1.0")},
                () -> new Object[] {BigInteger.ZERO, new BigDecimal("1.00")}, () -> new Object[] {null, new BigDecimal("1E+3")}));
        shapes.put("enums", List.of(() -> new Object[] {Plan.FREE, DayOfWeek.MONDAY, Month.MAY},
                () -> new Object[] {Plan.PRO, DayOfWeek.SUNDAY, null}));
        shapes.put("uuid", List.of(() -> new Object[] {UUID.fromString("123e4567-e89b-12d3-a456-426614174000")},
                () -> new Object[] {new UUID(0, 0)}));
        shapes.put("time", List.of(() -> new Object[] {INSTANT, LocalDate.of(2026, 11, 30), LocalTime.of(18, 0, 1, 5),
                LocalDateTime.of(2026, 1, 2, 3, 4), OffsetTime.of(1, 2, 3, 0, ZoneOffset.ofHours(2)),
                OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 6, ZoneOffset.ofHours(-5)),
                ZonedDateTime.of(2026, 3, 29, 2, 30, 0, 0, ZoneId.of("Europe/Paris")), Duration.ofMillis(1500),
                Period.of(1, 2, 3), Year.of(2026), YearMonth.of(2026, 2), MonthDay.of(2, 29), ZoneOffset.UTC},
                () -> new Object[] {Instant.EPOCH, LocalDate.MIN, LocalTime.MIDNIGHT, LocalDateTime.MAX,
                        OffsetTime.MAX, OffsetDateTime.MIN, ZonedDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC),
                        Duration.ZERO, Period.ZERO, Year.of(-1), YearMonth.of(1, 1), MonthDay.of(1, 1), ZoneOffset.MIN}));
        shapes.put("record", List.of(() -> new Object[] {query("AAPL", 1.5)}, () -> new Object[] {query("MSFT", -0.0)},
                () -> new Object[] {new Query(null, null, null, null, null)}, () -> new Object[] {null}));
        shapes.put("nested", List.of(() -> new Object[] {new Point(1, 2), "s", query("AAPL", 0.0)},
                () -> new Object[] {null, null, query("X", Double.NaN)}));
        shapes.put("any", List.of(() -> new Object[] {1}, () -> new Object[] {1L}, () -> new Object[] {1.0},
                () -> new Object[] {"1"}, () -> new Object[] {Plan.PRO}, () -> new Object[] {new Other("a")},
                () -> new Object[] {new Same("a")}, () -> new Object[] {query("Q", 3)}, () -> new Object[] {INSTANT},
                () -> new Object[] {null}));
        shapes.put("two", List.of(() -> new Object[] {"a", "b"}, () -> new Object[] {"ab", ""},
                () -> new Object[] {new Point(1, 1), 1}, () -> new Object[] {1, new Point(1, 1)}));
        shapes.put("loose", List.of(() -> new Object[] {new Loose("A")}, () -> new Object[] {new Loose("a")}));
        return shapes;
    }

    /** Argument tuples whose values are not immutable: never remembered. */
    private static Map<String, List<Supplier<Object[]>>> otherShapes() {
        Map<String, List<Supplier<Object[]>>> shapes = new LinkedHashMap<>();
        shapes.put("list", List.of(() -> new Object[] {new ArrayList<>(List.of("a", "b"))}, () -> new Object[] {List.of()}));
        shapes.put("array", List.of(() -> new Object[] {new String[] {"a", "b"}}));
        shapes.put("map", List.of(() -> new Object[] {new LinkedHashMap<>(Map.of("a", 1))}));
        shapes.put("holder", List.of(() -> new Object[] {new Holder(List.of("a"))}));
        shapes.put("bean", List.of(() -> new Object[] {new Bean("a")}));
        shapes.put("any", List.of(() -> new Object[] {new ArrayList<>(List.of(1))}, () -> new Object[] {new Holder(List.of())}));
        return shapes;
    }

    private static Query query(String symbol, double y) {
        return new Query(symbol, LocalDate.of(2026, 11, 30), Plan.PRO, new Point(3, y),
                UUID.fromString("123e4567-e89b-12d3-a456-426614174000"));
    }

    @Test
    void rememberedKeysAreByteIdenticalToTheKeysComputedBefore() {
        int checked = 0;
        for (Map.Entry<String, List<Supplier<Object[]>>> shape : valueShapes().entrySet()) {
            MethodJob job = job(shape.getKey());
            for (Supplier<Object[]> call : shape.getValue()) {
                Object[] first = call.get();
                Object[] twin = call.get();
                String expected = keyAsBefore(job, first);
                String described = shape.getKey() + Arrays.deepToString(first);

                assertThat(job.key(job.encode(first))).as("uncached path, %s", described).isEqualTo(expected);
                List<byte[]> filled = job.callArgs(first);
                assertThat(job.key(filled)).as("memo filled, %s", described).isEqualTo(expected);
                List<byte[]> remembered = job.callArgs(twin);
                assertThat(remembered).as("an equal call reads the memo, %s", described).isSameAs(filled);
                assertThat(job.key(remembered)).as("memo read, %s", described).isEqualTo(expected);
                Type listType = new TypeRef<List<byte[]>>() {
                }.type();
                assertThat(cacheback.codec().encode(remembered, listType)).as("what a refresh task carries, %s", described)
                        .isEqualTo(cacheback.codec().encode(job.encode(twin), listType));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(45);
    }

    @Test
    void argumentsThatAreNotImmutableValuesAreNeverRemembered() {
        for (Map.Entry<String, List<Supplier<Object[]>>> shape : otherShapes().entrySet()) {
            MethodJob job = job(shape.getKey());
            for (Supplier<Object[]> call : shape.getValue()) {
                Object[] args = call.get();
                List<byte[]> once = job.callArgs(args);
                List<byte[]> again = job.callArgs(args);
                assertThat(again).isNotSameAs(once);
                assertThat(job.key(again)).isEqualTo(keyAsBefore(job, args));
            }
        }
    }

    @Test
    void aListChangedBetweenCallsGivesTheKeyOfWhatItHoldsNow() {
        MethodJob job = job("list");
        List<String> names = new ArrayList<>(List.of("a"));
        String before = job.key(job.callArgs(new Object[] {names}));
        names.add("b");
        String after = job.key(job.callArgs(new Object[] {names}));
        assertThat(after).isNotEqualTo(before).isEqualTo(keyAsBefore(job, new Object[] {names}));
    }

    @Test
    void valuesEqualByTheirEqualsButEncodedDifferentlyNeverShareAKey() {
        MethodJob loose = job("loose");
        String upper = loose.key(loose.callArgs(new Object[] {new Loose("A")}));
        String lower = loose.key(loose.callArgs(new Object[] {new Loose("a")}));
        assertThat(new Loose("A")).isEqualTo(new Loose("a"));
        assertThat(upper).isNotEqualTo(lower);
        assertThat(lower).isEqualTo(keyAsBefore(loose, new Object[] {new Loose("a")}));

        // equal JSON gives equal keys, as before (1 and 1L, two records of one shape); the memo changes none
        MethodJob any = job("any");
        for (Object value : new Object[] {1, 1L, 1.0, 1.0f, "1", new Other("1"), new Same("1"), 0.0, -0.0}) {
            Object[] args = {value};
            assertThat(any.key(any.callArgs(args))).as("%s", value).isEqualTo(keyAsBefore(any, args));
        }
        for (Object value : new Object[] {-0.0, 0.0, new Same("1"), new Other("1"), "1", 1.0f, 1.0, 1L, 1}) {
            Object[] args = {value};
            assertThat(any.key(any.callArgs(args))).as("%s", value).isEqualTo(keyAsBefore(any, args));
        }
    }

    @Test
    void anArrayChangedByTheCallerAfterItsCallLeavesTheRememberedKeyAlone() {
        MethodJob job = job("text");
        Object[] args = {"a"};
        String a = job.key(job.callArgs(args));
        args[0] = "b";
        String b = job.key(job.callArgs(args));
        assertThat(job.key(job.callArgs(new Object[] {"a"}))).isEqualTo(a).isEqualTo(keyAsBefore(job, new Object[] {"a"}));
        assertThat(b).isEqualTo(keyAsBefore(job, new Object[] {"b"}));
    }

    @Test
    void argumentsThatDoNotFitTheMethodStillFailOnEveryCall() {
        MethodJob text = job("text");
        assertThatThrownBy(() -> text.callArgs(new Object[] {42}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a java.lang.String");
        assertThatThrownBy(() -> text.callArgs(new Object[] {42}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a java.lang.String");
        assertThatThrownBy(() -> text.callArgs(new Object[] {"a", "b"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes 1 argument, not 2");
        MethodJob primitives = job("primitives");
        Object[] withNull = {null, 2L, 0.5, 1.5f, true, 'c', (short) 3, (byte) 4};
        assertThatThrownBy(() -> primitives.callArgs(withNull))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be null");
    }

    @Test
    void theMemoIsBoundedAndRefills() {
        ArgumentMemo<String> memo = new ArgumentMemo<>(3);
        for (int i = 0; i < 10; i++) {
            int n = i;
            assertThat(memo.get(new Object[] {n}, a -> "v" + a[0])).isEqualTo("v" + n);
            assertThat(memo.size()).isBetween(1, 3);
        }
        ArgumentMemo<String> off = new ArgumentMemo<>(0);
        off.get(new Object[] {"a"}, a -> "x");
        assertThat(off.size()).isZero();
        assertThatThrownBy(() -> new ArgumentMemo<>(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be negative");
    }

    /** The key as MethodJob computed it before the memo: the reference this test holds the memo to. */
    private String keyAsBefore(MethodJob job, Object[] args) {
        Codec codec = cacheback.codec();
        Type[] types = job.method().getGenericParameterTypes();
        List<byte[]> encoded = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            encoded.add(codec.encode(args[i], types[i]));
        }
        byte[] bytes = codec.encode(encoded, new TypeRef<List<byte[]>>() {
        }.type());
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return job.name() + ":" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private MethodJob job(String methodName) {
        return jobs.computeIfAbsent(methodName, name -> {
            Method method = Arrays.stream(Shapes.class.getMethods()).filter(m -> m.getName().equals(name))
                    .findFirst().orElseThrow();
            Cached annotation = Objects.requireNonNull(method.getAnnotation(Cached.class));
            ReturnKind kind = ReturnKind.of(method, "@Cached");
            return new MethodJob(cacheback, JobSettings.builder().name("keys." + name).build(), method, new Shapes(),
                    "shapes", kind, kind.valueType(method, "@Cached"), new MethodExpressions("@Cached", method, null),
                    annotation, null);
        });
    }
}

package dev.cacheback.jpa;

import dev.cacheback.spi.Codec;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The conversion of filter values: the same in the caller and in a worker that decoded them from JSON. */
class ValuesTest {

    enum Shelf { TOP, BOTTOM }

    private static Object coerce(Object value, Class<?> type) {
        return Values.coerce(value, type, Codec.jackson(), "filter \"x\" on Thing (attribute Thing.x)");
    }

    @Test
    void wholeNumbersConvertToAnyWholeNumberTypeTheyFit() {
        assertThat(coerce(5, long.class)).isEqualTo(5L);
        assertThat(coerce(5L, Integer.class)).isEqualTo(5);
        assertThat(coerce(BigInteger.TEN, short.class)).isEqualTo((short) 10);
        assertThat(coerce(7, BigInteger.class)).isEqualTo(BigInteger.valueOf(7));
        assertThatThrownBy(() -> coerce(1L << 40, int.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range").hasMessageContaining("Thing.x");
        assertThatThrownBy(() -> coerce(2.5, long.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fractional");
    }

    @Test
    void anyNumberConvertsToFloatingAndDecimalTypesAndDecimalsLoseTrailingZeros() {
        assertThat(coerce(2, double.class)).isEqualTo(2.0);
        assertThat(coerce(0.1, float.class)).isEqualTo(0.1f);
        assertThat(coerce(new BigDecimal("1.10"), BigDecimal.class)).isEqualTo(coerce(1.1, BigDecimal.class));
        assertThat(coerce(new BigDecimal("0.00"), BigDecimal.class)).isEqualTo(BigDecimal.ZERO);
    }

    @Test
    void stringsInTheCodecsFormAreReadAsTheAttributesType() {
        assertThat(coerce("TOP", Shelf.class)).isEqualTo(Shelf.TOP);
        assertThat(coerce(Shelf.BOTTOM, Shelf.class)).isEqualTo(Shelf.BOTTOM);
        assertThat(coerce("2024-01-31", LocalDate.class)).isEqualTo(LocalDate.of(2024, 1, 31));
        UUID id = UUID.randomUUID();
        assertThat(coerce(id.toString(), UUID.class)).isEqualTo(id);
        assertThat(coerce("x", char.class)).isEqualTo('x');
        assertThatThrownBy(() -> coerce("MIDDLE", Shelf.class)).hasMessageContaining("[TOP, BOTTOM]");
        assertThatThrownBy(() -> coerce("not a date", LocalDate.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.time.LocalDate");
    }

    @Test
    void otherMismatchesAreTheWrongType() {
        assertThatThrownBy(() -> coerce("5", int.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Wrong type for filter \"x\" on Thing (attribute Thing.x)");
        assertThatThrownBy(() -> coerce(5, String.class)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> coerce(1, boolean.class)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> coerce(null, int.class)).hasMessageContaining("Null");
        assertThat(coerce(null, Integer.class)).isNull();
    }
}

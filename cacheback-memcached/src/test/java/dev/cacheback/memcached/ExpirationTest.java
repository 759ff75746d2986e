package dev.cacheback.memcached;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExpirationTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @Test
    void shortTimesToLiveAreRelativeSecondsRoundedUpPlusOne() {
        assertThat(Expiration.exptime(Duration.ofMillis(1), NOW)).isEqualTo(2);
        assertThat(Expiration.exptime(Duration.ofSeconds(1), NOW)).isEqualTo(2);
        assertThat(Expiration.exptime(Duration.ofMillis(1500), NOW)).isEqualTo(3);
        assertThat(Expiration.exptime(Duration.ofMinutes(10), NOW)).isEqualTo(601);
    }

    @Test
    void upTo30DaysIsSentAsSeconds() {
        assertThat(Expiration.exptime(Duration.ofSeconds(2_591_999), NOW)).isEqualTo(2_592_000);
        assertThat(Expiration.exptime(Duration.ofDays(29), NOW)).isEqualTo(29 * 86_400 + 1);
    }

    @Test
    void exactly30DaysTheDefaultCacheTtlStaysRelativeTheAddedSecondNeverMakesItAbsolute() {
        assertThat(Expiration.exptime(Duration.ofDays(30), NOW)).isEqualTo(2_592_000);
        assertThat(Expiration.exptime(Duration.ofDays(30).minusMillis(1), NOW)).isEqualTo(2_592_000);
        // whatever the clock says: a relative time does not depend on it
        assertThat(Expiration.exptime(Duration.ofDays(30), Instant.EPOCH)).isEqualTo(2_592_000);
    }

    @Test
    void over30DaysIsSentAsAnAbsoluteUnixTimeFromTheGivenClock() {
        long now = NOW.getEpochSecond();
        assertThat(Expiration.exptime(Duration.ofDays(30).plusMillis(1), NOW)).isEqualTo(now + 2_592_001 + 1);
        assertThat(Expiration.exptime(Duration.ofDays(31), NOW)).isEqualTo(now + 31 * 86_400 + 1);
        assertThat(Expiration.exptime(Duration.ofDays(365), NOW)).isEqualTo(now + 365 * 86_400 + 1);
        assertThat(Expiration.exptime(Duration.ofDays(31), NOW.plusMillis(1))).isEqualTo(now + 1 + 31 * 86_400 + 1);
    }

    @Test
    void absoluteTimesStopAtTheLargestSigned32BitNumber() {
        assertThat(Expiration.exptime(Duration.ofDays(365 * 100), NOW)).isEqualTo(Integer.MAX_VALUE);
        assertThat(Expiration.exptime(Duration.ofSeconds(Long.MAX_VALUE), NOW)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void zeroOrNegativeIsRefusedBecauseMemcachedReadsThemAsForeverOrExpired() {
        assertThatThrownBy(() -> Expiration.exptime(Duration.ZERO, NOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Expiration.exptime(Duration.ofSeconds(-1), NOW)).isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.cacheback.spring;

import dev.cacheback.Job;
import dev.cacheback.SourceState;
import dev.cacheback.SourceUnavailableException;
import dev.cacheback.test.TestClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The resilience attributes of {@link Cached @Cached} (issue 13): stale-if-error, timeouts, the source breaker, null lifetimes. */
class CachedResilienceTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
            .withUserConfiguration(Setup.class)
            .withPropertyValues("cacheback.caches.default.type=in-memory", "quotes.fail-safe=1h");

    public record Quote(String symbol, int version) {
    }

    public static class Quotes {
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean down;

        @Cached(name = "resilient", lifetime = "1m", fetchOnStaleThreshold = "5m", failSafeMaxStaleness = "${quotes.fail-safe}",
                softFetchTimeout = "5s", hardFetchTimeout = "10s", sourceBreakerFailures = 3, sourceBreakerWindow = "1m",
                nullLifetime = "10s")
        public Quote quote(String symbol) {
            calls.incrementAndGet();
            if (down) {
                throw new IllegalStateException("quote service down");
            }
            return symbol.equals("NONE") ? null : new Quote(symbol, calls.get());
        }

        public int calls() {
            return calls.get();
        }

        public void down(boolean down) {
            this.down = down;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(TestRuntimeConfiguration.class)
    static class Setup {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        Quotes quotes() {
            return new Quotes();
        }
    }

    @Test
    void theAnnotationSetsEveryResilienceSetting() {
        runner.run(context -> {
            Job<?, ?> job = context.getBean(CachebackMethods.class).job("resilient");
            assertThat(job.failSafeMaxStaleness()).isEqualTo(Duration.ofHours(1));
            assertThat(job.softFetchTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(job.hardFetchTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(job.settings().sourceBreakerFailures()).isEqualTo(3);
            assertThat(job.settings().sourceBreakerWindow()).isEqualTo(Duration.ofMinutes(1));
        });
    }

    @Test
    void nullIsCachedForItsOwnLifetimeStaleIsServedOnErrorAndTheBreakerOpens() {
        runner.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            TestClock clock = context.getBean(TestClock.class);
            CachebackMethods methods = context.getBean(CachebackMethods.class);
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(quotes.quote("NONE")).isNull();
            assertThat(quotes.quote("NONE")).isNull();
            assertThat(methods.rawGet("resilient", "NONE").orElseThrow().expiry()).isEqualTo(clock.instant().plusSeconds(10));
            Quote acme = quotes.quote("ACME");
            assertThat(quotes.calls()).isEqualTo(2);
            clock.advance(Duration.ofMinutes(10));
            quotes.down(true);
            assertThat(quotes.quote("ACME")).isEqualTo(acme);                 // stale-if-error
            assertThat(registry.get("cacheback.failsafe").tag("job", "resilient").counter().count()).isEqualTo(1);
            assertThatThrownBy(() -> quotes.quote("B")).hasMessageContaining("quote service down");
            assertThatThrownBy(() -> quotes.quote("C")).hasMessageContaining("quote service down");
            assertThat(methods.job("resilient").sourceState()).isEqualTo(SourceState.OPEN);
            assertThatThrownBy(() -> quotes.quote("D")).isInstanceOf(SourceUnavailableException.class);
            assertThat(quotes.quote("ACME")).isEqualTo(acme);
            assertThat(quotes.calls()).isEqualTo(5);
            assertThat(registry.get("cacheback.source.state").tag("job", "resilient").gauge().value()).isEqualTo(2.0);
        });
    }

    @Test
    void aWindowWithoutFailuresIsRefusedByName() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
                .withBean(Bad.class)
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("sourceBreakerWindow is set but sourceBreakerFailures is not"));
    }

    public static class Bad {
        @Cached(sourceBreakerWindow = "1m")
        public String bad(String s) {
            return s;
        }
    }
}

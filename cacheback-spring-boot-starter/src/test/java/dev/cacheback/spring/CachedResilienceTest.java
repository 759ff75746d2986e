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

    public static class Tuned {
        @Cached(name = "tuned", refreshBackoff = "5s..5m", earlyRefreshBeta = "0.5", refreshAhead = "${tuned.ahead:0.1}")
        public String tuned(String s) {
            return s;
        }

        @Cached(lifetime = "1m", softFetchTimeout = "1s")
        public String plain(String s) {
            return s;
        }
    }

    @Test
    void theAnnotationSetsBackoffAndEarlyRefreshAndTheJobDefaultIsXFetchAtBetaOne() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
                .withBean(Tuned.class)
                .run(context -> {
                    CachebackMethods methods = context.getBean(CachebackMethods.class);
                    Job<?, ?> tuned = methods.job("tuned");
                    assertThat(tuned.settings().refreshBackoffInitial()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(tuned.settings().refreshBackoffMax()).isEqualTo(Duration.ofMinutes(5));
                    assertThat(tuned.settings().earlyRefreshBeta()).isEqualTo(0.5);
                    assertThat(tuned.settings().refreshAhead()).isEqualTo(0.1);
                    assertThat(methods.job("Tuned.plain").settings().earlyRefreshBeta()).isEqualTo(1.0);
                });
    }

    @Test
    void propertiesPerJobOverrideTheAnnotationByJobName() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
                .withBean(Tuned.class)
                .withPropertyValues("cacheback.jobs.tuned.early-refresh-beta=0", "cacheback.jobs.tuned.refresh-backoff-initial=1s",
                        "cacheback.jobs.tuned.refresh-backoff-max=10s", "cacheback.jobs[Tuned.plain].lifetime=5m",
                        "cacheback.jobs[Tuned.plain].hard-fetch-timeout=3s", "cacheback.jobs[Tuned.plain].fail-safe-max-staleness=1h",
                        "cacheback.jobs[Tuned.plain].source-breaker-failures=4")
                .run(context -> {
                    CachebackMethods methods = context.getBean(CachebackMethods.class);
                    Job<?, ?> tuned = methods.job("tuned");
                    assertThat(tuned.settings().earlyRefreshBeta()).isZero();
                    assertThat(tuned.settings().refreshBackoffInitial()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(tuned.settings().refreshBackoffMax()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(tuned.settings().refreshAhead()).as("not overridden: the annotation's").isEqualTo(0.1);
                    Job<?, ?> plain = methods.job("Tuned.plain");
                    assertThat(plain.lifetime()).isEqualTo(Duration.ofMinutes(5));
                    assertThat(plain.softFetchTimeout()).as("not overridden: the annotation's").isEqualTo(Duration.ofSeconds(1));
                    assertThat(plain.hardFetchTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(plain.failSafeMaxStaleness()).isEqualTo(Duration.ofHours(1));
                    assertThat(plain.settings().sourceBreakerFailures()).isEqualTo(4);
                    assertThat(plain.settings().sourceBreakerWindow()).isEqualTo(Duration.ofSeconds(30));
                });
    }

    @Test
    void aJobPropertyNamingNoCachedMethodOrHalfABackoffFailsStartUpWithTheFix() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class))
                .withBean(Tuned.class);
        runner.withPropertyValues("cacheback.jobs.Tuned.plain.lifetime=5m").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("did you mean cacheback.jobs[Tuned.plain].lifetime?"));
        runner.withPropertyValues("cacheback.jobs.Tunde.lifetime=5m").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("cacheback.jobs names [Tunde]")
                .hasStackTraceContaining("[Tuned.plain, tuned]").hasStackTraceContaining("cacheback.jobs[QuoteService.quote]"));
        runner.withPropertyValues("cacheback.jobs.tuned.refresh-backoff-max=10s").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("set both cacheback.jobs[tuned].refresh-backoff-initial and refresh-backoff-max"));
        runner.withPropertyValues("cacheback.jobs.tuned.early-refresh-beta=-1").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("earlyRefreshBeta must be 0 or more"));
    }
}

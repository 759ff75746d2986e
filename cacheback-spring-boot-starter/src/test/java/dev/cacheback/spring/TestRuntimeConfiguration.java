package dev.cacheback.spring;

import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The starter's runtime on a test clock and a manual queue, for tests that import it. */
@Configuration(proxyBeanMethods = false)
class TestRuntimeConfiguration {

    @Bean
    TestClock clock() {
        return new TestClock();
    }

    @Bean
    ManualRefreshQueue queue() {
        return new ManualRefreshQueue();
    }

    @Bean
    CachebackBuilderCustomizer testRuntime(TestClock clock, ManualRefreshQueue queue) {
        return builder -> builder.clock(clock).queue(queue);
    }
}

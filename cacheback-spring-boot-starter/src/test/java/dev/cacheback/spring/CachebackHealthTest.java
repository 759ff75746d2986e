package dev.cacheback.spring;

import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cache and queue health from a real round trip, against the real servers and closed ports: a cache
 * or broker that does not answer is DEGRADED with details from the first health request (before any
 * enqueue), and UP again when it answers.
 */
class CachebackHealthTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class, CachebackHealthAutoConfiguration.class));

    static Health cache(AssertableApplicationContext context, String alias) {
        CompositeHealthContributor health = context.getBean("cachebackHealthContributor", CompositeHealthContributor.class);
        return ((HealthIndicator) ((CompositeHealthContributor) health.getContributor("caches")).getContributor(alias)).health();
    }

    static Health queue(AssertableApplicationContext context) {
        CompositeHealthContributor health = context.getBean("cachebackHealthContributor", CompositeHealthContributor.class);
        return ((HealthIndicator) health.getContributor("queue")).health();
    }

    @Configuration(proxyBeanMethods = false)
    static class Manual {
        @Bean
        ManualRefreshQueue queue() {
            return new ManualRefreshQueue();
        }

        @Bean
        TestClock testClock() {
            return new TestClock();
        }

        @Bean
        CachebackBuilderCustomizer manualQueue(ManualRefreshQueue queue, TestClock clock) {
            return builder -> builder.queue(queue).clock(clock);
        }
    }

    @Test
    void aCacheThatDoesNotAnswerIsDegradedWithDetailsOthersAreUp() {
        runner.withPropertyValues("cacheback.caches.default.type=in-memory",
                "cacheback.caches.remote.type=redis",
                "cacheback.caches.remote.address=redis://127.0.0.1:" + TestServers.freePort(),
                "cacheback.caches.remote.redis.connect-timeout=200ms").run(context -> {
            assertThat(cache(context, "default").getStatus()).isEqualTo(Status.UP);
            Health remote = cache(context, "remote");
            assertThat(remote.getStatus()).isEqualTo(CachebackHealth.DEGRADED);
            assertThat(remote.getDetails()).containsKeys("backend", "error", "impact");
            assertThat(remote.getDetails().get("error").toString()).contains("PING");
        });
    }

    @Test
    void aRedisCacheThatAnswersIsUp() {
        URI redis = URI.create(TestServers.redisUri());
        TestServers.require("Redis", redis.getHost(), redis.getPort());
        runner.withPropertyValues("cacheback.caches.default.type=redis",
                "cacheback.caches.default.address=" + TestServers.redisUri()).run(context ->
                await().atMost(Duration.ofSeconds(10)).until(() -> cache(context, "default").getStatus().equals(Status.UP)));
    }

    @Test
    void aQueueThatRefusesEnqueuesIsDegradedUntilOneSucceeds() {
        runner.withUserConfiguration(Manual.class).run(context -> {
            assertThat(queue(context).getStatus()).isEqualTo(Status.UP);
            ManualRefreshQueue manual = context.getBean(ManualRefreshQueue.class);
            CountingJob words = new CountingJob(context.getBean(dev.cacheback.Cacheback.class),
                    JobSettings.builder().name("words").build());
            words.get("q");
            manual.refuseTasks(true);
            words.asyncRefresh("q");                                     // refused: the synchronous fallback
            Health refused = queue(context);
            assertThat(refused.getStatus()).isEqualTo(CachebackHealth.DEGRADED);
            assertThat(refused.getDetails().get("error").toString()).contains("words");
            manual.refuseTasks(false);
            words.asyncRefresh("q");
            assertThat(queue(context).getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void aFailedEnqueueNoLongerDegradesTheQueueAMinuteLaterWhenItsPingAnswers() {
        runner.withUserConfiguration(Manual.class).run(context -> {
            ManualRefreshQueue manual = context.getBean(ManualRefreshQueue.class);
            TestClock clock = context.getBean(TestClock.class);
            CountingJob words = new CountingJob(context.getBean(dev.cacheback.Cacheback.class),
                    JobSettings.builder().name("words").build());
            words.get("q");
            manual.refuseTasks(true);
            words.asyncRefresh("q");
            manual.refuseTasks(false);                                   // the broker is back; no stale read since
            clock.advance(QueueHealthTracker.RECENT);
            assertThat(queue(context).getStatus()).isEqualTo(CachebackHealth.DEGRADED);
            clock.advance(java.time.Duration.ofSeconds(1));
            assertThat(queue(context).getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void rabbitUnreachableAtStartupIsDegradedBeforeAnyEnqueue() {
        runner.withPropertyValues("cacheback.queue.type=rabbitmq",
                "cacheback.queue.address=amqp://guest:guest@127.0.0.1:" + TestServers.freePort(),
                "cacheback.queue.rabbitmq.connect-timeout=300ms", "cacheback.worker.enabled=false").run(context -> {
            Health health = queue(context);
            assertThat(health.getStatus()).isEqualTo(CachebackHealth.DEGRADED);
            assertThat(health.getDetails().get("error").toString()).contains("did not answer a ping")
                    .doesNotContain("guest:guest");
        });
    }

    @Test
    void rabbitWithAWrongVirtualHostIsDegraded() {
        URI rabbit = URI.create(TestServers.rabbitUri());
        TestServers.require("RabbitMQ", rabbit.getHost(), rabbit.getPort() < 0 ? 5672 : rabbit.getPort());
        String base = rabbit.getScheme() + "://" + (rabbit.getRawUserInfo() == null ? "" : rabbit.getRawUserInfo() + "@")
                + rabbit.getHost() + ":" + (rabbit.getPort() < 0 ? 5672 : rabbit.getPort());
        // "…:5672/" is the virtual host "" (the mistake the README once made): refused at start-up with the fix
        runner.withPropertyValues("cacheback.queue.type=rabbitmq", "cacheback.queue.address=" + base + "/",
                "cacheback.worker.enabled=false").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new CachebackFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("empty virtual host").contains("/%2F");
        });
        // "/cacheback-nope" does not exist: only the broker can tell, so the queue is degraded
        String missing = base + "/cacheback-nope";
        runner.withPropertyValues("cacheback.queue.type=rabbitmq", "cacheback.queue.address=" + missing,
                "cacheback.worker.enabled=false").run(context -> {
            Health health = queue(context);
            assertThat(health.getStatus()).as(missing).isEqualTo(CachebackHealth.DEGRADED);
            assertThat(health.getDetails().get("error").toString()).contains("vhost");
        });
        // the default virtual host, written both ways the README gives
        for (String address : new String[] {base, base + "/%2F"}) {
            runner.withPropertyValues("cacheback.queue.type=rabbitmq", "cacheback.queue.address=" + address,
                    "cacheback.worker.enabled=false").run(context ->
                    await(address).atMost(Duration.ofSeconds(10)).until(() -> queue(context).getStatus().equals(Status.UP)));
        }
    }

    @Test
    void redisQueueUnreachableAtStartupIsDegraded() {
        runner.withPropertyValues("cacheback.queue.type=redis",
                "cacheback.queue.address=redis://127.0.0.1:" + TestServers.freePort(),
                "cacheback.queue.redis.connect-timeout=200ms", "cacheback.worker.enabled=false").run(context ->
                assertThat(queue(context).getStatus()).isEqualTo(CachebackHealth.DEGRADED));
    }
}

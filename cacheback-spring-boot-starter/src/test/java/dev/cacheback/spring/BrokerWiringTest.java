package dev.cacheback.spring;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.cacheback.JobSettings;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.TestClock;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The memcached and RabbitMQ wiring, against the real servers. */
class BrokerWiringTest {

    private static final List<String> rabbitQueues = new ArrayList<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class, CachebackHealthAutoConfiguration.class));

    @BeforeAll
    static void servers() {
        URI rabbit = URI.create(TestServers.rabbitUri());
        TestServers.require("RabbitMQ", rabbit.getHost(), rabbit.getPort() < 0 ? 5672 : rabbit.getPort());
        String[] memcached = TestServers.memcachedAddress().split(":");
        TestServers.require("memcached", memcached[0], Integer.parseInt(memcached[1]));
    }

    @AfterAll
    static void deleteOurQueues() throws Exception {
        if (rabbitQueues.isEmpty()) {
            return;
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(TestServers.rabbitUri());
        try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
            for (String queue : rabbitQueues) {
                channel.queueDelete(queue);
                channel.queueDelete(queue + ".dead");
            }
        }
    }

    public static class Service {
        private int calls;

        @Cached(name = "wiring.greeting", lifetime = "1m", refreshTimeout = "10s")
        public String greeting(String name) {
            calls++;
            return "hello " + name + " #" + calls;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Jobs {
        @Bean
        TestClock clock() {
            return new TestClock();
        }

        @Bean
        CachebackBuilderCustomizer clockCustomizer(TestClock clock) {
            return builder -> builder.clock(clock);
        }

        @Bean
        CountingJob wiringJob(dev.cacheback.Cacheback cacheback) {
            return new CountingJob(cacheback, JobSettings.builder().name("wiring.job").lifetime(Duration.ofMinutes(1))
                    .refreshTimeout(Duration.ofSeconds(10)).build());
        }

        @Bean
        Service service() {
            return new Service();
        }
    }

    private static String queueName() {
        String queue = TestServers.uniquePrefix("cacheback-starter-test");
        rabbitQueues.add(queue);
        return queue;
    }

    @Test
    void memcachedCacheFromProperties() {
        String prefix = TestServers.uniquePrefix("starter");
        runner.withUserConfiguration(Jobs.class).withPropertyValues(
                "cacheback.caches.default.type=memcached",
                "cacheback.caches.default.address=" + TestServers.memcachedAddress(),
                "cacheback.caches.default.memcached.operation-timeout=2s").run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            assertThat(cacheback.cache("default").describe()).startsWith("memcached://");
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name(prefix).build());
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(job.get("a")).isEqualTo("a#1");                // read back from memcached
            assertThat(job.rawGet("a")).isPresent();
            job.delete("a");
            CompositeHealthContributor health = context.getBean("cachebackHealthContributor", CompositeHealthContributor.class);
            HealthIndicator cache = (HealthIndicator) ((CompositeHealthContributor) health.getContributor("caches")).getContributor("default");
            assertThat(cache.health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void memcachedThatIsDownIsReportedDegraded() {
        runner.withPropertyValues(
                "cacheback.caches.default.type=memcached",
                "cacheback.caches.default.address=127.0.0.1:" + TestServers.freePort(),
                "cacheback.caches.default.memcached.connect-timeout=200ms",
                "cacheback.caches.default.memcached.operation-timeout=200ms").run(context -> {
            CompositeHealthContributor health = context.getBean("cachebackHealthContributor", CompositeHealthContributor.class);
            HealthIndicator cache = (HealthIndicator) ((CompositeHealthContributor) health.getContributor("caches")).getContributor("default");
            assertThat(cache.health().getStatus()).isEqualTo(CachebackHealth.DEGRADED);
        });
    }

    @Test
    void rabbitQueueWithAnInAppWorkerRefreshesJobsAndMethods() {
        String queue = queueName();
        runner.withUserConfiguration(Jobs.class).withPropertyValues(
                "cacheback.queue.type=rabbitmq",
                "cacheback.queue.address=" + TestServers.rabbitUri(),
                "cacheback.queue.rabbitmq.default-queue=" + queue,
                // one process serves and refreshes: its in-memory cache is the one it reads
                "cacheback.worker.allow-local-cache=true",
                "cacheback.worker.concurrency=2").run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            assertThat(cacheback.queue().describe()).contains("rabbitmq").contains(queue).doesNotContain("guest:guest");
            TestClock clock = context.getBean(TestClock.class);
            CountingJob job = context.getBean(CountingJob.class);
            Service service = context.getBean(Service.class);
            assertThat(job.get("x")).isEqualTo("x#1");
            assertThat(service.greeting("ada")).isEqualTo("hello ada #1");

            clock.advance(Duration.ofMinutes(2));
            assertThat(job.get("x")).isEqualTo("x#1");                                  // stale: a task goes to RabbitMQ
            assertThat(service.greeting("ada")).isEqualTo("hello ada #1");
            await().atMost(Duration.ofSeconds(20)).until(() -> job.get("x").equals("x#2"));
            await().atMost(Duration.ofSeconds(20)).until(() -> service.greeting("ada").equals("hello ada #2"));

            CompositeHealthContributor health = context.getBean("cachebackHealthContributor", CompositeHealthContributor.class);
            assertThat(((HealthIndicator) health.getContributor("queue")).health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void aTaskWaitingBeforeStartupIsRunOnceTheJobsExist() {
        String queue = queueName();
        String[] common = {"cacheback.queue.type=rabbitmq", "cacheback.queue.address=" + TestServers.rabbitUri(),
                "cacheback.caches.default.type=memcached", "cacheback.caches.default.address=" + TestServers.memcachedAddress()};
        String name = TestServers.uniquePrefix("starter-early");
        // a producer-only application enqueues a refresh
        runner.withPropertyValues(common).withPropertyValues("cacheback.worker.enabled=false",
                "cacheback.queue.rabbitmq.default-queue=" + queue).run(producer -> {
            CountingJob job = new CountingJob(producer.getBean(dev.cacheback.Cacheback.class),
                    JobSettings.builder().name(name).build());
            job.set("k", "old");
            job.asyncRefresh("k");
            assertThat(job.fetches()).isZero();                                         // published, not run here
        });
        // a worker application starts later; its job bean is created after the runtime opened the queue
        runner.withPropertyValues(common).withUserConfiguration(EarlyJob.class)
                .withPropertyValues("cacheback.worker.queues=" + queue, "early.name=" + name, "early.queue=" + queue)
                .run(worker -> {
                    CountingJob job = worker.getBean(CountingJob.class);
                    await().atMost(Duration.ofSeconds(20)).until(() -> job.fetches() == 1);
                    assertThat(job.rawGet("k").orElseThrow().data()).isEqualTo("k#1");
                });
    }

    /**
     * A job bean whose creation takes a while, during which the waiting task must stay on the queue:
     * a worker consuming before the context has created its jobs would dead-letter it as naming an
     * unknown job.
     */
    @Configuration(proxyBeanMethods = false)
    static class EarlyJob {
        @Bean
        CountingJob earlyJob(dev.cacheback.Cacheback cacheback, org.springframework.core.env.Environment env) throws Exception {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setUri(TestServers.rabbitUri());
            try (Connection connection = factory.newConnection(); Channel channel = connection.createChannel()) {
                String queue = env.getRequiredProperty("early.queue");
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                        .until(() -> channel.queueDeclarePassive(queue).getMessageCount() == 1);
            }
            return new CountingJob(cacheback, JobSettings.builder().name(env.getRequiredProperty("early.name")).build());
        }
    }
}

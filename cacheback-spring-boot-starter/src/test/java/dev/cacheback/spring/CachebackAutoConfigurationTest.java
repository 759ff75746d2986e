package dev.cacheback.spring;

import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.Codec;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.RecordingListener;
import dev.cacheback.test.TestClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every property and condition of {@link CachebackAutoConfiguration}. */
class CachebackAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CachebackAutoConfiguration.class));

    @Test
    void defaultsBuildAnInMemoryRuntimeOnTheInProcessQueueAndMakeItTheDefault() {
        runner.run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            assertThat(cacheback.defaultAlias()).isEqualTo("default");
            assertThat(cacheback.caches()).containsOnlyKeys("default");
            assertThat(cacheback.cache("default").describe()).containsIgnoringCase("memory");
            assertThat(cacheback.queue().describe()).containsIgnoringCase("in-process");
            assertThat(cacheback.verifyWrites()).isTrue();
            assertThat(dev.cacheback.Cacheback.getDefault()).isSameAs(cacheback);
            assertThat(context).hasSingleBean(CachebackMethods.class);
        });
    }

    @Test
    void staleReadsMarkInTheBackgroundWhenAsked() {
        runner.withPropertyValues("cacheback.mark-stale-in-background=true").run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            assertThat(context.getBean(StaleReadDispatcher.class).executor()).isNotNull();
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("bg")
                    .lifetime(java.time.Duration.ofMillis(50)).build());
            job.get("a");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
                job.get("a");
                return job.fetches() >= 2;
            });
        });
        runner.run(context -> assertThat(context.getBean(StaleReadDispatcher.class).executor()).isNull());
    }

    @Test
    void theClockTickIsAPropertyAndAnOutOfRangeTickStopsStartUpNamingTheRange() {
        runner.withPropertyValues("cacheback.clock-tick=0").run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("tick0").build());
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(job.get("a")).isEqualTo("a#1");
        });
        runner.withPropertyValues("cacheback.clock-tick=5ms").run(context -> assertThat(context).hasNotFailed());
        runner.withPropertyValues("cacheback.clock-tick=5s").run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("1 ms to 1 s"));
    }

    @Test
    void closesTheRuntimeWhenTheContextCloses() {
        AtomicReference<dev.cacheback.Cacheback> runtime = new AtomicReference<>();
        runner.run(context -> runtime.set(context.getBean(dev.cacheback.Cacheback.class)));
        assertThatThrownBy(dev.cacheback.Cacheback::getDefault).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new CountingJob(runtime.get(), JobSettings.defaults()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnRuntime() {
        runner.withUserConfiguration(OwnRuntime.class).withPropertyValues("cacheback.caches.other.type=dummy").run(context -> {
            assertThat(context).hasSingleBean(dev.cacheback.Cacheback.class);
            assertThat(context.getBean(dev.cacheback.Cacheback.class)).isSameAs(context.getBean("ownRuntime"));
            assertThat(context.getBean(dev.cacheback.Cacheback.class).caches()).containsOnlyKeys("mine");
            assertThat(context).doesNotHaveBean(InProcessWorkerPool.class);
        });
    }

    @Test
    void disabledByProperty() {
        runner.withPropertyValues("cacheback.enabled=false").run(context ->
                assertThat(context).doesNotHaveBean(dev.cacheback.Cacheback.class).doesNotHaveBean(CachebackMethods.class));
    }

    @Test
    void cachesByAliasWithTheirOptionsAndTheDefaultAlias() {
        runner.withPropertyValues(
                "cacheback.default-alias=main",
                "cacheback.caches.main.type=in-memory",
                "cacheback.caches.main.in-memory.maximum-size=10",
                "cacheback.caches.main.in-memory.store-copies=true",
                "cacheback.caches.nothing.type=dummy",
                "cacheback.verify-writes=false").run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            assertThat(cacheback.defaultAlias()).isEqualTo("main");
            assertThat(cacheback.caches()).containsOnlyKeys("main", "nothing");
            CountingJob onDummy = new CountingJob(cacheback, JobSettings.builder().name("d").cacheAlias("nothing").build());
            onDummy.get("a");
            onDummy.get("a");
            assertThat(onDummy.fetches()).isEqualTo(2);
            CountingJob onMain = new CountingJob(cacheback, JobSettings.builder().name("m").build());
            onMain.get("a");
            onMain.get("a");
            assertThat(onMain.fetches()).isEqualTo(1);
        });
    }

    @Test
    void inMemoryMaximumSizeIsApplied() {
        // verify-writes off: with room for one entry, eviction (on the scheduler) may take the entry just
        // written before the read-back; this test is about the bound alone
        runner.withPropertyValues("cacheback.caches.default.in-memory.maximum-size=1", "cacheback.verify-writes=false").run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("small").build());
            for (int i = 0; i < 50; i++) {
                job.get("k" + i);
            }
            // the bound is applied by Caffeine's maintenance, which runs on the runtime's scheduler thread
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
                long kept = 0;
                for (int i = 0; i < 50; i++) {
                    kept += job.rawGet("k" + i).isPresent() ? 1 : 0;
                }
                return kept < 50;
            });
        });
    }

    @Test
    void unknownCacheOptionFailsNamingTheNearestKey() {
        runner.withPropertyValues("cacheback.caches.default.in-memory.max-size=1").run(context ->
                assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("cacheback.caches.default.in-memory.max-size")
                        .hasMessageContaining("did you mean cacheback.caches.default.in-memory.maximum-size?"));
        runner.withPropertyValues("cacheback.caches.default.options.maximum-size=1").run(context ->
                assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("did you mean cacheback.caches.default.in-memory.maximum-size?")
                        .hasMessageContaining("options map was replaced by typed groups"));
    }

    @Test
    void brokerTypesFailClearlyWhenTheirModuleIsMissing() {
        runner.withClassLoader(new FilteredClassLoader("dev.cacheback.redis.", "dev.cacheback.memcached.", "dev.cacheback.rabbitmq."))
                .withPropertyValues("cacheback.caches.default.type=memcached", "cacheback.caches.default.address=localhost:11211")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("cacheback-memcached is not on the classpath"));
        runner.withClassLoader(new FilteredClassLoader("dev.cacheback.redis.", "dev.cacheback.memcached.", "dev.cacheback.rabbitmq."))
                .withPropertyValues("cacheback.caches.default.type=redis")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("cacheback-redis is not on the classpath"));
        runner.withClassLoader(new FilteredClassLoader("dev.cacheback.redis.", "dev.cacheback.memcached.", "dev.cacheback.rabbitmq."))
                .withPropertyValues("cacheback.queue.type=rabbitmq")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("cacheback-rabbitmq is not on the classpath"));
    }

    @Test
    void brokerOptionsAndAddressesAreChecked() {
        runner.withPropertyValues("cacheback.caches.default.type=memcached").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("cacheback.caches.default.address is not set"));
        runner.withPropertyValues("cacheback.caches.default.type=memcached", "cacheback.caches.default.address=127.0.0.1:1",
                "cacheback.caches.default.memcached.timeout=1s").run(context ->
                assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("cacheback.caches.default.memcached.timeout")
                        .hasMessageContaining("cacheback.caches.default.memcached.connect-timeout"));
        runner.withPropertyValues("cacheback.queue.type=rabbitmq").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("cacheback.queue.address is not set"));
        runner.withPropertyValues("cacheback.queue.type=rabbitmq", "cacheback.queue.address=amqp://127.0.0.1:1",
                "cacheback.queue.rabbitmq.prefetch=many").run(context ->
                assertThat(context).hasFailed());
        runner.withPropertyValues("cacheback.caches.default.type=memcached", "cacheback.caches.default.address=127.0.0.1:1",
                "cacheback.caches.default.redis.key-prefix=x:").run(context ->
                assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("cacheback.caches.default.redis.key-prefix is an option of the redis type, "
                                + "but cacheback.caches.default.type is memcached"));
    }

    @Test
    void verifyWritesMakeDefaultAndErrorLogInterval() {
        runner.withPropertyValues("cacheback.verify-writes=false", "cacheback.make-default=false",
                "cacheback.error-log-interval=5s").run(context -> {
            assertThat(context.getBean(dev.cacheback.Cacheback.class).verifyWrites()).isFalse();
            assertThatThrownBy(dev.cacheback.Cacheback::getDefault).isInstanceOf(IllegalStateException.class);
        });
    }

    @Test
    void codecPropertyAndCodecBean() {
        runner.withPropertyValues("cacheback.codec=jackson").run(context ->
                assertThat(context.getBean(dev.cacheback.Cacheback.class).codec()).isSameAs(Codec.jackson()));
        runner.withUserConfiguration(OwnCodec.class).run(context ->
                assertThat(context.getBean(dev.cacheback.Cacheback.class).codec()).isSameAs(context.getBean(Codec.class)));
        runner.withPropertyValues("cacheback.codec=pickle").run(context -> assertThat(context).hasFailed());
    }

    @Test
    void inProcessWorkerConcurrencyAndCapacity() {
        runner.withPropertyValues("cacheback.worker.concurrency=3", "cacheback.queue.in-process.capacity=5").run(context -> {
            assertThat(context.getBean(InProcessWorkerPool.class).threads()).isEqualTo(3);
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            assertThat(cacheback.queue()).isSameAs(context.getBean(InProcessWorkerPool.class).queue());
        });
        runner.run(context -> assertThat(context.getBean(InProcessWorkerPool.class).threads()).isZero());
        runner.withPropertyValues("cacheback.worker.enabled=false").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("needs a broker queue"));
        runner.withPropertyValues("cacheback.worker.concurrency=0").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("at least 1"));
        runner.withPropertyValues("cacheback.worker.queues=fast").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("cacheback.worker.queues"));
        runner.withPropertyValues("cacheback.queue.in-process.priority=1").run(context ->
                assertThat(context).hasFailed().getFailure()
                        .hasMessageContaining("cacheback.queue.in-process.priority"));
    }

    @Test
    void inProcessWorkerRefreshesStaleEntries() {
        runner.withPropertyValues("cacheback.worker.concurrency=1").withUserConfiguration(Clocked.class).run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("w").lifetime(Duration.ofSeconds(10)).build());
            assertThat(job.get("a")).isEqualTo("a#1");
            context.getBean(TestClock.class).advance(Duration.ofSeconds(11));
            assertThat(job.get("a")).isEqualTo("a#1");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> job.fetches() == 2);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "a#2".equals(job.get("a")));
        });
    }

    @Test
    void customizersListenersAndJobBeans() {
        runner.withUserConfiguration(Customized.class).run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            assertThat(cacheback.queue()).isSameAs(context.getBean(ManualRefreshQueue.class));
            assertThat(cacheback.caches()).containsOnlyKeys("default", "extra");
            // the job bean was constructed with the runtime injected, so it is registered for workers
            Job<?, ?> registered = cacheback.job("bean-job").orElseThrow();
            assertThat(registered).isSameAs(context.getBean(CountingJob.class));
            CountingJob job = context.getBean(CountingJob.class);
            job.get("x");
            job.invalidate("x");
            ManualRefreshQueue queue = context.getBean(ManualRefreshQueue.class);
            assertThat(queue.runPending()).isEqualTo(1);
            assertThat(job.fetches()).isEqualTo(2);
            RecordingListener listener = context.getBean(RecordingListener.class);
            assertThat(listener.count("miss.sync")).isEqualTo(1);
            assertThat(listener.count("enqueued")).isEqualTo(1);
        });
    }

    @Test
    void metricsWhenARegistryExists() {
        runner.withUserConfiguration(Registry.class).run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("metered").build());
            job.get("a");
            job.get("a");
            job.get("a");
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            assertThat(registry.get("cacheback.gets").tag("job", "metered").tag("status", "miss").counter().count()).isEqualTo(1);
            assertThat(registry.get("cacheback.gets").tag("job", "metered").tag("status", "hit").counter().count()).isEqualTo(2);
            assertThat(registry.get("cacheback.fetch").tag("job", "metered").tag("outcome", "success").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void observationsWhenAnObservationRegistryExistsAndAnInstrumentationBeanReplacesThem() {
        java.util.List<String> observed = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.micrometer.observation.ObservationRegistry observations = io.micrometer.observation.ObservationRegistry.create();
        observations.observationConfig().observationHandler(new io.micrometer.observation.ObservationHandler<>() {
            @Override
            public boolean supportsContext(io.micrometer.observation.Observation.Context context) {
                return true;
            }

            @Override
            public void onStart(io.micrometer.observation.Observation.Context context) {
                observed.add(context.getName());
            }
        });
        runner.withBean(io.micrometer.observation.ObservationRegistry.class, () -> observations).run(context -> {
            dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
            new CountingJob(cacheback, JobSettings.builder().name("observed").build()).get("a");
            assertThat(observed).containsExactly("cacheback.job.get", "cacheback.job.fetch");
        });
        dev.cacheback.Instrumentation own = new dev.cacheback.Instrumentation() {
            @Override
            public Observed get(String job, String cacheAlias) {
                observed.add("own " + job);
                return Observed.NONE;
            }
        };
        observed.clear();
        runner.withBean(io.micrometer.observation.ObservationRegistry.class, () -> observations)
                .withBean(dev.cacheback.Instrumentation.class, () -> own).run(context -> {
                    dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
                    new CountingJob(cacheback, JobSettings.builder().name("own").build()).get("a");
                    assertThat(observed).containsExactly("own own");
                });
        runner.run(context -> assertThat(context.getBean(dev.cacheback.Cacheback.class).instrumentation())
                .isSameAs(dev.cacheback.Instrumentation.NONE));
    }

    @Test
    void withSpringBootsObservationAndMetricsAutoConfigurationEveryGetIsATimerBesideTheCounters() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
                org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration.class,
                CachebackAutoConfiguration.class)).run(context -> {
                    dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
                    CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("booted").build());
                    job.get("a");
                    job.get("a");
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get("cacheback.job.get").tag("job", "booted").tag("status", "hit").timer().count())
                            .isEqualTo(1);
                    assertThat(registry.get("cacheback.job.fetch").tag("job", "booted").tag("outcome", "success").timer()
                            .count()).isEqualTo(1);
                    assertThat(registry.get("cacheback.gets").tag("job", "booted").tag("status", "miss").counter().count())
                            .as("the counters keep their names").isEqualTo(1);
                });
    }

    @Test
    void springBootsObservationSwitchTurnsCachebacksObservationsOff() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(
                org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration.class,
                org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration.class,
                CachebackAutoConfiguration.class)).withPropertyValues("management.observations.enable.cacheback=false")
                .run(context -> {
                    dev.cacheback.Cacheback cacheback = context.getBean(dev.cacheback.Cacheback.class);
                    new CountingJob(cacheback, JobSettings.builder().name("quiet").build()).get("a");
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.find("cacheback.job.get").timer()).isNull();
                    assertThat(registry.find("cacheback.job.fetch").timer()).isNull();
                    assertThat(registry.get("cacheback.gets").tag("job", "quiet").tag("status", "miss").counter().count())
                            .isEqualTo(1);
                });
    }

    @Test
    void noMetricsWithoutMicrometer() {
        runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(dev.cacheback.Cacheback.class);
            assertThat(context).doesNotHaveBean("cachebackMetricsCustomizer");
        });
        runner.run(context -> assertThat(context).hasBean("cachebackMetricsCustomizer"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnRuntime {
        @Bean
        dev.cacheback.Cacheback ownRuntime() {
            return dev.cacheback.Cacheback.builder().cache("mine", CacheBackend.inMemory()).defaultAlias("mine").build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnCodec {
        @Bean
        Codec codec() {
            return Codec.jackson(tools.jackson.databind.json.JsonMapper.builder().build());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Clocked {
        @Bean
        TestClock testClock() {
            return new TestClock();
        }

        @Bean
        CachebackBuilderCustomizer clockCustomizer(TestClock clock) {
            return builder -> builder.clock(clock);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Customized {
        @Bean
        ManualRefreshQueue manualQueue() {
            return new ManualRefreshQueue();
        }

        @Bean
        RecordingListener recordingListener() {
            return new RecordingListener();
        }

        @Bean
        CachebackBuilderCustomizer queueCustomizer(ManualRefreshQueue queue) {
            return builder -> builder.queue(queue).cache("extra", CacheBackend.inMemory());
        }

        @Bean
        CountingJob beanJob(dev.cacheback.Cacheback cacheback) {
            return new CountingJob(cacheback, JobSettings.builder().name("bean-job").build());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}

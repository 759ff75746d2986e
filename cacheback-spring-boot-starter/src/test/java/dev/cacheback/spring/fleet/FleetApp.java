package dev.cacheback.spring.fleet;

import dev.cacheback.Cacheback;
import dev.cacheback.Job;
import dev.cacheback.JobSettings;
import dev.cacheback.spring.Cached;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One small Spring Boot application, run as a web node (in the test's JVM) and as a worker node (in
 * another JVM, with the profile {@code worker}: {@code src/test/resources/application-worker.properties}),
 * as the README's recipe runs one jar both ways. It has a {@link Cached @Cached} method and a
 * {@link Job} bean; each counts its calls in Redis per node ({@code <fleet.prefix>calls:<fleet.node>:method}
 * and {@code …:job}), so the test sees which JVM ran them. {@code fleet.stopped-file}, when set, is
 * written as the context closes, saying whether the runtime was already closed by then.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class FleetApp {

    /** The method job's name. */
    public static final String METHOD = "fleet.quote";
    /** The job bean's name. */
    public static final String JOB = "fleet.job";

    public static void main(String[] args) {
        SpringApplication.run(FleetApp.class, args);
    }

    /** Counts calls per node in Redis. */
    public static final class Calls implements DisposableBean {
        private final RedisClient client;
        private final StatefulRedisConnection<String, String> connection;
        private final String prefix;
        private final String node;

        Calls(String redis, String prefix, String node) {
            this.client = RedisClient.create(redis);
            this.connection = client.connect();
            this.prefix = prefix;
            this.node = node;
        }

        void count(String what) {
            connection.sync().incr(prefix + "calls:" + node + ":" + what);
        }

        public String node() {
            return node;
        }

        @Override
        public void destroy() {
            connection.close();
            client.shutdown();
        }
    }

    /** A service with one cached method. */
    public static class Quotes {
        private final Calls calls;

        public Quotes(Calls calls) {
            this.calls = calls;
        }

        @Cached(name = METHOD, lifetime = "10m", refreshTimeout = "30s")
        public String quote(String symbol) {
            calls.count("method");
            return "quote " + symbol + " from " + calls.node();
        }
    }

    /** A job bean. */
    public static class QuoteJob extends Job<String, String> {
        private final Calls calls;

        public QuoteJob(Cacheback cacheback, Calls calls) {
            super(cacheback, JobSettings.builder().name(JOB).lifetime(Duration.ofMinutes(10))
                    .refreshTimeout(Duration.ofSeconds(30)).build());
            this.calls = calls;
        }

        @Override
        protected String fetch(String symbol) {
            calls.count("job");
            return "job " + symbol + " from " + calls.node();
        }
    }

    /** Writes {@code fleet.stopped-file} when the context closes. */
    static final class StopMarker implements DisposableBean {
        private final Cacheback cacheback;
        private final String file;

        StopMarker(Cacheback cacheback, String file) {
            this.cacheback = cacheback;
            this.file = file;
        }

        @Override
        public void destroy() throws IOException {
            if (file.isEmpty()) {
                return;
            }
            String runtime;
            try {
                cacheback.startWorkers();   // idempotent while open, refused once closed
                runtime = "open";
            } catch (IllegalStateException e) {
                runtime = "closed";
            }
            Files.writeString(Path.of(file), "stopped, runtime " + runtime, StandardCharsets.UTF_8);
        }
    }

    @Bean
    Calls fleetCalls(Environment env) {
        return new Calls(env.getRequiredProperty("fleet.redis"), env.getRequiredProperty("fleet.prefix"),
                env.getRequiredProperty("fleet.node"));
    }

    @Bean
    Quotes quotes(Calls calls) {
        return new Quotes(calls);
    }

    @Bean
    QuoteJob quoteJob(Cacheback cacheback, Calls calls) {
        return new QuoteJob(cacheback, calls);
    }

    @Bean
    StopMarker fleetStopMarker(Cacheback cacheback, Environment env) {
        return new StopMarker(cacheback, env.getProperty("fleet.stopped-file", ""));
    }
}

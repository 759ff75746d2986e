package dev.cacheback.sandbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;

/**
 * The sandbox web application: a page over a deliberately slow source, served through a Cacheback
 * job ({@code /}) and through a {@code @Cacheback} method ({@code /method}). On the embedded defaults
 * (in-memory cache, in-process queue) unless the {@code redis-rabbit} profile is active.
 */
@SpringBootApplication
@EnableConfigurationProperties(SandboxProperties.class)
public class SandboxApplication {

    private static final Logger log = LoggerFactory.getLogger(SandboxApplication.class);

    public static void main(String[] args) {
        SpringApplication.run(SandboxApplication.class, args);
    }

    @EventListener
    void ready(ApplicationReadyEvent event) {
        Environment env = event.getApplicationContext().getEnvironment();
        log.info("Cacheback sandbox ready: http://localhost:{}/ (profiles: {})", env.getProperty("local.server.port"),
                env.getActiveProfiles().length == 0 ? "default, embedded" : String.join(",", env.getActiveProfiles()));
    }
}

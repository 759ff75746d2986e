package dev.cacheback.sandbox;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The sandbox's own settings.
 *
 * @param lifetime   how long a quote stays fresh (the job's and the method's lifetime)
 * @param fetchDelay how long the slow source takes per read
 */
@ConfigurationProperties("sandbox")
public record SandboxProperties(@DefaultValue("10s") Duration lifetime, @DefaultValue("1500ms") Duration fetchDelay) {
}

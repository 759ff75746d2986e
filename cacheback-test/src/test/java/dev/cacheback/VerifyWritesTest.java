package dev.cacheback;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DESIGN.md S15: a store that was not kept, with verify-writes on and off. */
class VerifyWritesTest {

    private final LogCapture log = new LogCapture(Level.ERROR);

    @AfterEach
    void detach() {
        log.close();
    }

    @Test
    void withVerifyWritesOnAStoreThatWasNotKeptFailsNamingTheType() {
        try (Cacheback cacheback = Cacheback.builder().cache("default", CacheBackend.dummy()).queue(new ManualRefreshQueue()).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("dummy").build());
            assertThatThrownBy(() -> job.get("a")).isInstanceOf(CachebackException.class)
                    .hasMessageStartingWith("Unable to save data of type java.lang.String to cache \"default\"");
            assertThatThrownBy(() -> job.set("a", "x")).hasMessageContaining("Unable to save data of type java.lang.String");
        }
    }

    @Test
    void withVerifyWritesOffTheCallerIsAnsweredAndTheFailureIsLogged() {
        try (Cacheback cacheback = Cacheback.builder().cache("default", CacheBackend.dummy()).verifyWrites(false)
                .queue(new ManualRefreshQueue()).build()) {
            CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("dummy").build());
            assertThat(job.get("a")).isEqualTo("a#1");
            assertThat(log.events()).isEmpty();   // nothing refused it: the dummy silently keeps nothing
        }
    }

    @Test
    void dataThatCannotBeEncodedIsRefusedWhenVerifyingAndLoggedOtherwise() {
        class Opaque {
        }
        for (boolean verify : new boolean[]{true, false}) {
            try (Cacheback cacheback = Cacheback.builder().cache("default", CacheBackend.inMemory(100, true))
                    .verifyWrites(verify).queue(new ManualRefreshQueue()).build()) {
                Job<String, Object> job = new Job<>(cacheback, JobSettings.builder().name("opaque").build(),
                        TypeRef.of(String.class), TypeRef.of(Object.class)) {
                    @Override
                    protected Object fetch(String args) {
                        return new Opaque();
                    }
                };
                if (verify) {
                    assertThatThrownBy(() -> job.get("a")).isInstanceOf(CachebackException.class)
                            .hasMessageContaining("Unable to save data of type " + Opaque.class.getName());
                } else {
                    assertThat(job.get("a")).isInstanceOf(Opaque.class);
                    assertThat(log.events()).anySatisfy(e -> assertThat(e.getFormattedMessage())
                            .contains("Unable to save data of type " + Opaque.class.getName()));
                }
            }
        }
    }
}

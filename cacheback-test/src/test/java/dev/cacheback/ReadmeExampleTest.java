package dev.cacheback;

import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's examples, compiled and run, so they stay true. */
class ReadmeExampleTest {

    record User(String name) {
    }

    static final class UserService {
        final AtomicInteger loads = new AtomicInteger();

        User load(String username) {
            loads.incrementAndGet();
            return new User(username);
        }
    }

    record Profile(String name) {
    }

    // --- README: the first example
    static class UserJob extends Job<String, User> {
        private final UserService users;

        UserJob(Cacheback cacheback, UserService users) {
            super(cacheback, JobSettings.builder().lifetime(Duration.ofMinutes(10)).build());
            this.users = users;
        }

        @Override
        protected User fetch(String username) {
            return users.load(username);
        }
    }

    @Test
    void theFirstExampleWorksAsItSays() {
        UserService users = new UserService();
        TestClock clock = new TestClock();
        ManualRefreshQueue queue = new ManualRefreshQueue();
        try (Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build()) {
            User ada = new UserJob(cacheback, users).get("ada");
            assertThat(ada).isEqualTo(new User("ada"));
            new UserJob(cacheback, users).get("ada");
            assertThat(users.loads).hasValue(1);
            clock.advance(Duration.ofMinutes(11));
            assertThat(new UserJob(cacheback, users).get("ada")).isEqualTo(ada);
            queue.runPending();
            assertThat(users.loads).hasValue(2);
        }
    }

    @Test
    void theCachedFunctionExampleWorksAsItSays() {
        AtomicInteger loads = new AtomicInteger();
        try (Cacheback cacheback = Cacheback.builder().queue(new ManualRefreshQueue()).build()) {
            CachedFunction<String, Profile> profiles = CachedFunction.builder("profiles", String.class, Profile.class)
                    .settings(JobSettings.builder().lifetime(Duration.ofMinutes(5)).fetchOnMiss(false).build())
                    .build(cacheback, name -> {
                        loads.incrementAndGet();
                        return new Profile(name);
                    });
            Profile p = profiles.apply("ada");
            assertThat(p).isNull();
            profiles.job().invalidate("ada");
            assertThat(loads).hasValue(0);
        }
    }
}

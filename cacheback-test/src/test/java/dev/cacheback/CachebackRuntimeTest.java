package dev.cacheback;

import dev.cacheback.spi.CacheBackend;
import dev.cacheback.spi.MalformedTaskException;
import dev.cacheback.spi.RefreshTask;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ManualRefreshQueue;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The runtime: builder rules, defaults, the registry, the default instance, closing. */
class CachebackRuntimeTest {

    @Test
    void settingAnOptionTwiceIsAnError() {
        assertThatThrownBy(() -> Cacheback.builder().verifyWrites(true).verifyWrites(false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("verifyWrites");
        assertThatThrownBy(() -> Cacheback.builder().cache("a", CacheBackend.inMemory()).cache("a", CacheBackend.inMemory()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("\"a\"");
        assertThatThrownBy(() -> JobSettings.builder().lifetime(Duration.ofSeconds(1)).lifetime(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("lifetime");
    }

    @Test
    void aDefaultAliasWithoutACacheIsRefusedNamingTheCachesThereAre() {
        assertThatThrownBy(() -> Cacheback.builder().cache("main", CacheBackend.inMemory()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("\"default\"").hasMessageContaining("[main]");
    }

    @Test
    void aBackendCannotServeTwoRuntimes() {
        CacheBackend shared = CacheBackend.inMemory();
        try (Cacheback first = Cacheback.builder().cache("default", shared).build()) {
            assertThatThrownBy(() -> Cacheback.builder().cache("default", shared).build())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already opened");
        }
    }

    @Test
    void aRuntimeThatCannotOpenItsPluginsLeavesNoThreadsBehind() {
        CacheBackend first = CacheBackend.inMemory();
        CacheBackend refusing = new dev.cacheback.test.ForwardingCacheBackend(CacheBackend.inMemory()) {
            @Override
            public void open(dev.cacheback.spi.BackendContext context) {
                throw new IllegalStateException("cannot connect");
            }
        };
        long before = threadsNamed("cacheback-refresh-");
        assertThatThrownBy(() -> Cacheback.builder().cache("default", first).cache("second", refusing).build())
                .hasMessage("cannot connect");
        await().atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("cacheback-refresh-") == before);
    }

    @Test
    void invalidSettingsAreRefusedWithTheirName() {
        assertThatThrownBy(() -> JobSettings.builder().lifetime(Duration.ZERO)).hasMessageContaining("lifetime must be positive");
        assertThatThrownBy(() -> JobSettings.builder().refreshTimeout(Duration.ofSeconds(-1))).hasMessageContaining("refreshTimeout");
        assertThatThrownBy(() -> TaskOptions.fromMap(Map.of("priority", "high"))).hasMessageContaining("whole number");
    }

    @Test
    void theDefaultRuntimeServesJobsMadeWithoutOneUntilItCloses() {
        Cacheback cacheback = Cacheback.builder().queue(new ManualRefreshQueue()).build().makeDefault();
        class DefaultJob extends Job<String, String> {
            @Override
            protected String fetch(String args) {
                return args.toUpperCase();
            }
        }
        assertThat(new DefaultJob().get("a")).isEqualTo("A");
        assertThat(Cacheback.getDefault()).isSameAs(cacheback);
        cacheback.close();
        assertThatThrownBy(Cacheback::getDefault).isInstanceOf(IllegalStateException.class).hasMessageContaining("makeDefault");
    }

    @Test
    void jobsRegisterThemselvesByNameAndTheLatestWins() {
        try (Cacheback cacheback = Cacheback.builder().queue(new ManualRefreshQueue()).build()) {
            CountingJob first = new CountingJob(cacheback, JobSettings.builder().name("same").build());
            assertThat(cacheback.job("same")).containsSame(first);
            CountingJob second = new CountingJob(cacheback, JobSettings.builder().name("same").build());
            assertThat(cacheback.job("same")).containsSame(second);
            assertThat(cacheback.jobs()).hasSize(1);
        }
    }

    @Test
    void closeStopsTheRuntimesOwnThreads() {
        Cacheback cacheback = Cacheback.builder().build();
        CountingJob job = new CountingJob(cacheback, JobSettings.builder().name("t").build());
        job.asyncRefresh("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> job.fetches() == 1);
        assertThat(threadsNamed("cacheback-refresh-")).isPositive();
        cacheback.close();
        cacheback.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> threadsNamed("cacheback-refresh-") == 0);
    }

    @Test
    void tasksRoundTripThroughTheirWireFormWithoutTypeNames() {
        TaskOptions options = TaskOptions.builder().queue("q").priority(4).delay(Duration.ofSeconds(3))
                .expiration(Duration.ofMinutes(2)).build();
        RefreshTask task = new RefreshTask("job", "job:abc", "[1,2]".getBytes(), Map.of("entity", "Book"), options,
                Instant.parse("2030-01-01T00:00:00.123Z"));
        byte[] bytes = task.toBytes();
        assertThat(RefreshTask.fromBytes(bytes)).isEqualTo(task);
        assertThat(new String(bytes)).doesNotContain("class").doesNotContain("@type");
    }

    @Test
    void foreignBytesAreNotATask() {
        assertThatThrownBy(() -> RefreshTask.fromBytes("hello".getBytes())).isInstanceOf(MalformedTaskException.class);
        assertThatThrownBy(() -> RefreshTask.fromBytes("{\"v\":9}".getBytes())).isInstanceOf(MalformedTaskException.class)
                .hasMessageContaining("version 9");
        assertThatThrownBy(() -> RefreshTask.fromBytes("{\"v\":1,\"job\":\"j\"}".getBytes()))
                .hasMessageContaining("missing field 'key'");
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix) && t.isAlive()).count();
    }
}

package dev.cacheback;

import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The seed's decorator: wrapped functions and suppliers. */
class FunctionJobTest {

    private final TestClock clock = new TestClock();
    private final ManualRefreshQueue queue = new ManualRefreshQueue();
    private final Cacheback cacheback = Cacheback.builder().clock(clock).queue(queue).build();

    @AfterEach
    void close() {
        cacheback.close();
    }

    @Test
    void aCachedFunctionIsCallableAndExposesItsJob() {
        AtomicInteger calls = new AtomicInteger();
        CachedFunction<String, Integer> length = CachedFunction.builder("length", String.class, Integer.class)
                .settings(JobSettings.builder().lifetime(Duration.ofSeconds(5)).build())
                .build(cacheback, s -> {
                    calls.incrementAndGet();
                    return s.length();
                });
        assertThat(length.apply("abc")).isEqualTo(3);
        assertThat(length.apply("abc")).isEqualTo(3);
        assertThat(calls).hasValue(1);
        length.job().set("abc", 99);
        assertThat(length.apply("abc")).isEqualTo(99);
        assertThat(length.job().rawGet("abc")).get().extracting(CacheEntry::data).isEqualTo(99);
        length.job().invalidate("abc");
        queue.runPending();
        assertThat(length.apply("abc")).isEqualTo(3);
        length.job().delete("abc");
        assertThat(length.job().rawGet("abc")).isEmpty();
        assertThat(length.job().lifetime()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aWorkerRefreshesAFunctionByName() {
        AtomicInteger version = new AtomicInteger();
        CachedFunction<String, String> fn = CachedFunction.builder("versioned", String.class, String.class)
                .settings(JobSettings.builder().fetchOnMiss(false).build())
                .build(cacheback, s -> s + version.incrementAndGet());
        assertThat(fn.apply("a")).isNull();
        assertThat(queue.pending()).singleElement().extracting(t -> t.jobName()).isEqualTo("versioned");
        assertThat(cacheback.job("versioned")).containsSame(fn.job());
        queue.runPending();
        assertThat(fn.apply("a")).isEqualTo("a1");
    }

    @Test
    void aCachedSupplierHasNoArguments() {
        AtomicInteger n = new AtomicInteger();
        CachedSupplier<List<String>> names = CachedSupplier.builder("names", new TypeRef<List<String>>() {
        }).build(cacheback, () -> List.of("n" + n.incrementAndGet()));
        assertThat(names.get()).containsExactly("n1");
        assertThat(names.get()).containsExactly("n1");
        assertThat(names.job().key(null)).isEqualTo("names");
        names.job().invalidate();
        queue.runPending();
        assertThat(names.get()).containsExactly("n2");
    }

    @Test
    void aJobClassCustomisesTheHooks() {
        class Shouting<K> extends FunctionJob<K, String> {
            Shouting(Spec<K, String> spec) {
                super(spec);
            }

            @Override
            protected String processResult(String result, K args, CacheStatus status, Boolean syncFetch) {
                return result.toUpperCase() + "/" + status;
            }
        }
        CachedFunction<String, String> fn = CachedFunction.builder("shout", String.class, String.class)
                .jobClass(Shouting::new).build(cacheback, s -> s + "!");
        assertThat(fn.apply("hi")).isEqualTo("HI!/MISS");
        assertThat(fn.apply("hi")).isEqualTo("HI!/HIT");
        assertThat(fn.job()).isInstanceOf(Shouting.class);
    }

    @Test
    void aFunctionNeedsAUsableName() {
        assertThatThrownBy(() -> CachedFunction.builder("bad name", String.class, String.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad name");
    }
}

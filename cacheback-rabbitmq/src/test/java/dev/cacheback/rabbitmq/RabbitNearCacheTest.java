package dev.cacheback.rabbitmq;

import dev.cacheback.Cacheback;
import dev.cacheback.JobSettings;
import dev.cacheback.NearCache;
import dev.cacheback.spi.TieredBackend;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ForwardingCacheBackend;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.TcpProxy;
import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Near caches of two runtimes (two "processes") kept coherent by {@link RabbitBackplane}s on the shared
 * broker, over one shared remote store (in memory here: what is under test is the backplane): writes in one
 * are answered by the other; a backplane cut by a {@link TcpProxy} never makes a process serve a replaced
 * value longer than the bound, and it recovers by itself.
 */
class RabbitNearCacheTest {

    private static final Duration BOUND = Duration.ofSeconds(1);
    private static final Duration SLACK = Duration.ofMillis(300);

    private final String run = TestServers.uniquePrefix("cbnear");
    private final CacheBackend sharedRemote = CacheBackend.inMemory(10_000, true);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        Broker.connect().close();
        sharedRemote.open(new BackendContext() {
            @Override
            public String alias() {
                return "default";
            }

            @Override
            public Clock clock() {
                return Clock.systemUTC();
            }
        });
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        sharedRemote.close();
    }

    private final class Node {
        final TieredBackend tiered;
        final Cacheback cacheback;
        final CountingJob job;

        Node(String name, String amqpUri) {
            CacheBackend remote = new ForwardingCacheBackend(sharedRemote) {
                @Override
                public void open(BackendContext context) {
                }

                @Override
                public void close() {
                }
            };
            tiered = (TieredBackend) CacheBackend.tiered(remote, NearCache.builder().maxDisconnectedStaleness(BOUND)
                    .backplane(RabbitBackplane.builder(amqpUri).exchange(run + ".near").heartbeatInterval(Duration.ofMillis(200))
                            .reconnectInterval(Duration.ofMillis(500)).build())
                    .build());
            cacheback = Cacheback.builder().queue(new ManualRefreshQueue()).cache("default", tiered).build();
            toClose.add(cacheback);
            job = new CountingJob(cacheback, JobSettings.builder().name(run + ".job").build()) {
                @Override
                protected String fetch(String args) throws Exception {
                    return super.fetch(args) + "@" + name;
                }
            };
            await().atMost(Duration.ofSeconds(10)).until(tiered::nearServing);
        }
    }

    @Test
    void aSetARefreshAndADeleteInOneProcessAreAnsweredByTheOther() {
        Node a = new Node("a", Broker.uri());
        Node b = new Node("b", Broker.uri());
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        assertThat(b.tiered.nearSize()).isEqualTo(1);

        a.job.set("k", "set-by-a");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.get("k").equals("set-by-a"));
        assertThat(a.job.refresh("k")).isEqualTo("k#1@a");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.get("k").equals("k#1@a"));
        a.job.delete("k");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.rawGet("k").isEmpty());
    }

    @Test
    void aCutBackplaneNeverServesAReplacedValuePastTheBoundAndRecoversByItself() {
        TcpProxy proxy = new TcpProxy(Broker.host(), Broker.port());
        toClose.add(proxy);
        Node a = new Node("a", Broker.uri());
        Node b = new Node("b", Broker.uriOnPort(proxy.port()));
        assertThat(b.job.get("k")).isEqualTo("k#1@b");

        proxy.freeze();
        long replaced = System.nanoTime();
        a.job.set("k", "new");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            String answer = b.job.get("k");
            assertThat(answer).isIn("k#1@b", "new");
            return answer.equals("new");
        });
        Duration served = Duration.ofNanos(System.nanoTime() - replaced);
        System.out.println("FIGURES near frozen rabbit backplane: replaced value served for " + served.toMillis() + " ms (bound "
                + BOUND.toMillis() + " ms)");
        assertThat(served).isLessThanOrEqualTo(BOUND.plus(SLACK));

        proxy.cut();
        proxy.restore();
        await().atMost(Duration.ofSeconds(20)).until(b.tiered::nearServing);
        a.job.set("k", "newer");
        await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> b.job.get("k").equals("newer"));
        assertThat(b.job.get("k")).isEqualTo("newer");
        assertThat(b.tiered.nearSize()).isEqualTo(1);
    }
}

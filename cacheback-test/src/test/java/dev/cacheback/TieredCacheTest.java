package dev.cacheback;

import dev.cacheback.internal.TieredCacheBackend;
import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.CacheBackend;
import dev.cacheback.test.CountingJob;
import dev.cacheback.test.ForwardingCacheBackend;
import dev.cacheback.test.LocalBackplane;
import dev.cacheback.test.ManualRefreshQueue;
import dev.cacheback.test.Stampede;
import dev.cacheback.test.TestClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The near level (DESIGN.md T-rows, issue 14 items 1–2) over one shared in-memory remote, two runtimes
 * standing for two processes, a {@link LocalBackplane} between them: time moves on a {@link TestClock},
 * refreshes run from {@link ManualRefreshQueue}s.
 */
class TieredCacheTest {

    private static final Duration BOUND = Duration.ofSeconds(2);

    private final TestClock clock = new TestClock();
    private final CacheBackend sharedRemote = CacheBackend.inMemory(10_000, true);
    private final LocalBackplane backplane = new LocalBackplane();
    private final List<Cacheback> runtimes = new ArrayList<>();
    private Process a;
    private Process b;

    /** One "process": its runtime, queue, remote calls counted, backplane member and job. */
    private final class Process {
        final ManualRefreshQueue queue = new ManualRefreshQueue();
        final AtomicInteger remoteGets = new AtomicInteger();
        final AtomicReference<Runnable> duringRemoteGet = new AtomicReference<>();
        final LocalBackplane.Member member = backplane.join();
        final TieredCacheBackend tiered;
        final Cacheback cacheback;
        final CountingJob job;

        Process(String name) {
            CacheBackend remote = new ForwardingCacheBackend(sharedRemote) {
                @Override
                public void open(BackendContext context) {
                    // the shared remote is opened once by the test
                }

                @Override
                public void close() {
                    // closed by the test
                }

                @Override
                protected void before(String operation) {
                    if (operation.equals("get") || operation.equals("getAll")) {
                        remoteGets.incrementAndGet();
                        Runnable r = duringRemoteGet.getAndSet(null);
                        if (r != null) {
                            r.run();
                        }
                    }
                }
            };
            tiered = (TieredCacheBackend) CacheBackend.tiered(remote, NearCache.builder().backplane(member)
                    .maxDisconnectedStaleness(BOUND).build());
            cacheback = Cacheback.builder().clock(clock).queue(queue).cache("default", tiered).build();
            runtimes.add(cacheback);
            job = new CountingJob(cacheback, JobSettings.builder().name("tiered").lifetime(Duration.ofMinutes(10)).build()) {
                @Override
                protected String fetch(String args) throws Exception {
                    return super.fetch(args) + "@" + name; // which process fetched
                }
            };
        }
    }

    @BeforeEach
    void open() {
        sharedRemote.open(new BackendContext() {
            @Override
            public String alias() {
                return "default";
            }

            @Override
            public Clock clock() {
                return clock;
            }
        });
        a = new Process("a");
        b = new Process("b");
    }

    @AfterEach
    void close() {
        runtimes.forEach(Cacheback::close);
        sharedRemote.close();
    }

    @Test
    void aReadFillsTheNearLevelAndLaterHitsStayInProcess() {
        assertThat(a.job.get("k")).isEqualTo("k#1@a");
        int remoteReads = a.remoteGets.get();
        for (int i = 0; i < 100; i++) {
            assertThat(a.job.get("k")).isEqualTo("k#1@a");
        }
        assertThat(a.remoteGets.get()).isEqualTo(remoteReads);
        assertThat(a.tiered.nearSize()).isEqualTo(1);
    }

    @Test
    void aSetInOneProcessIsAnsweredByTheOther() {
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        a.job.set("k", "new");
        assertThat(b.job.get("k")).isEqualTo("new");
        assertThat(a.job.get("k")).isEqualTo("new");
    }

    @Test
    void aDeleteInOneProcessIsAMissInTheOther() {
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        a.job.delete("k");
        assertThat(b.job.rawGet("k")).isEmpty();
        assertThat(b.job.get("k")).isEqualTo("k#2@b");
    }

    @Test
    void aRefreshInOneProcessIsAnsweredByTheOther() {
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        assertThat(a.job.refresh("k")).isEqualTo("k#1@a");
        assertThat(b.job.get("k")).isEqualTo("k#1@a");
    }

    @Test
    void anInvalidateInOneProcessMarksTheOthersCopyAndTheRefreshReachesIt() {
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        a.job.invalidate("k");
        assertThat(a.queue.runPending()).isEqualTo(1);
        assertThat(b.job.get("k")).isEqualTo("k#1@a");
    }

    @Test
    void aStaleKeyReadInBothProcessesMakesOneTask() {
        assertThat(a.job.get("k")).isEqualTo("k#1@a");
        assertThat(b.job.get("k")).isEqualTo("k#1@a");
        clock.advance(Duration.ofMinutes(11));
        List<String> answers = Stampede.run(32, () -> (Thread.currentThread().getId() % 2 == 0 ? a : b).job.get("k"));
        assertThat(answers).containsOnly("k#1@a");
        assertThat(a.queue.enqueuedCount() + b.queue.enqueuedCount()).isEqualTo(1);
        a.queue.runPending();
        b.queue.runPending();
        assertThat(a.job.get("k")).isEqualTo(b.job.get("k")).isIn("k#1@b", "k#2@a");

        assertThat(a.job.fetches() + b.job.fetches()).isEqualTo(2);
    }

    @Test
    void aMissStampedeInOneProcessFetchesOnce() {
        List<String> answers = Stampede.run(32, () -> a.job.get("k"));
        assertThat(answers).containsOnly("k#1@a");
        assertThat(a.job.fetches()).isEqualTo(1);
    }

    @Test
    void aCutProcessServesItsCopyAtMostTheBoundThenReadsTheRemote() {
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        b.member.cut();
        a.job.set("k", "new");
        assertThat(b.job.get("k")).isEqualTo("k#1@b"); // within the bound: the copy it never heard about
        clock.advance(BOUND);
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        clock.advance(Duration.ofMillis(1));
        assertThat(b.job.get("k")).isEqualTo("new"); // past the bound: bypassed
        assertThat(b.tiered.nearServing()).isFalse();

        b.member.restore();
        assertThat(b.tiered.nearSize()).isZero(); // what it missed is dropped on reconnect
        assertThat(b.job.get("k")).isEqualTo("new");
        int reads = b.remoteGets.get();
        assertThat(b.job.get("k")).isEqualTo("new");
        assertThat(b.remoteGets.get()).isEqualTo(reads); // near again
    }

    @Test
    void whileBypassedReadsDoNotFillTheNearLevel() {
        b.member.cut();
        clock.advance(BOUND.plusMillis(1));
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        assertThat(b.tiered.nearSize()).isZero();
    }

    @Test
    void anInvalidationArrivingDuringARemoteReadKeepsTheReadFromFillingAnOldCopy() {
        assertThat(a.job.get("k")).isEqualTo("k#1@a");
        b.duringRemoteGet.set(() -> a.job.set("k", "new")); // lands between b's remote read and its fill
        assertThat(b.job.rawGet("k").orElseThrow().data()).isIn("k#1@a", "new");
        assertThat(b.job.get("k")).isEqualTo("new");
    }

    @Test
    void ownWritesDropTheOwnCopy() {
        assertThat(a.job.get("k")).isEqualTo("k#1@a");
        a.job.set("k", "mine");
        assertThat(a.job.get("k")).isEqualTo("mine");
        a.job.delete("k");
        assertThat(a.job.rawGet("k")).isEmpty();
    }

    @Test
    void anInvalidationThatCouldNotBePublishedIsSentOnceTheBackplaneIsBack() {
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        a.member.cut();
        a.job.set("k", "new"); // b keeps hearing heartbeats, but a could not tell it
        assertThat(b.job.get("k")).isEqualTo("k#1@b");
        a.member.restore();
        a.job.get("other");
        assertThat(b.job.get("k")).isEqualTo("new");
    }

    @Test
    void aCopyLivesAtMostItsTimeToLive() {
        assertThat(a.job.get("k")).isEqualTo("k#1@a");
        int reads = a.remoteGets.get();
        clock.advance(Duration.ofMinutes(5).plusMillis(1));
        a.member.cut();
        a.member.restore(); // keep the backplane's proof fresh on the moved clock
        a.job.get("k");
        assertThat(a.remoteGets.get()).isGreaterThan(reads);
    }

    @Test
    void theBoundMustCoverTwoHeartbeats() {
        LocalBackplane.Member member = backplane.join();
        CacheBackend tiered = CacheBackend.tiered(CacheBackend.inMemory(), NearCache.builder().backplane(new ForwardingBackplane(member,
                Duration.ofSeconds(2))).maxDisconnectedStaleness(Duration.ofSeconds(3)).build());
        assertThatThrownBy(() -> Cacheback.builder().cache("default", tiered).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("at least twice the backplane's heartbeat interval");
    }

    @Test
    void aNearCacheNeedsABackplane() {
        assertThatThrownBy(() -> NearCache.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("NearCache.builder().backplane(");
        assertThatThrownBy(() -> NearCache.builder().maximumSize(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A member that claims another heartbeat interval. */
    private static final class ForwardingBackplane implements dev.cacheback.spi.Backplane {
        private final LocalBackplane.Member member;
        private final Duration beat;

        ForwardingBackplane(LocalBackplane.Member member, Duration beat) {
            this.member = member;
            this.beat = beat;
        }

        @Override
        public void subscribe(BackendContext context, Listener listener) {
            member.subscribe(context, listener);
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> publish(String alias, String key) {
            return member.publish(alias, key);
        }

        @Override
        public long confirmedMillis() {
            return member.confirmedMillis();
        }

        @Override
        public Duration heartbeatInterval() {
            return beat;
        }

        @Override
        public boolean connected() {
            return member.connected();
        }

        @Override
        public void ping() {
        }

        @Override
        public String describe() {
            return "forwarding";
        }

        @Override
        public void close() {
            member.close();
        }
    }
}

package dev.cacheback.test;

import dev.cacheback.spi.BackendContext;
import dev.cacheback.spi.Backplane;
import dev.cacheback.spi.CacheBackendException;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backplane inside one JVM, for tests of near caches: several runtimes (each standing for a process)
 * take one {@link #join() member} each of a shared {@link LocalBackplane}; a publication is delivered at
 * once, in the publishing thread, to every other connected member. {@link Member#cut()} disconnects a member
 * (what it is sent meanwhile is lost, and its {@link Member#confirmedMillis()} stays at the cut's instant, so
 * its near copies are bypassed once the bound has passed on the test's clock); {@link Member#restore()}
 * reconnects it, which drops its near copies, as a real backplane does.
 *
 * <p>Thread-safe. No threads of its own.
 */
public final class LocalBackplane {

    private final List<Member> members = new CopyOnWriteArrayList<>();

    /** A new, empty backplane. */
    public LocalBackplane() {
    }

    /** A new member (one per runtime), connected. */
    public Member join() {
        Member m = new Member();
        members.add(m);
        return m;
    }

    /** One process's end of the {@link LocalBackplane}. */
    public final class Member implements Backplane {
        private final Map<String, Listener> listeners = new ConcurrentHashMap<>();
        private final AtomicInteger published = new AtomicInteger();
        private volatile Clock clock;
        private volatile boolean connected = true;
        private volatile long cutAt;
        private volatile boolean closed;

        private Member() {
        }

        @Override
        public void subscribe(BackendContext context, Listener listener) {
            if (listeners.putIfAbsent(context.alias(), listener) != null) {
                throw new IllegalStateException("alias \"" + context.alias() + "\" already subscribed");
            }
            clock = context.clock();
        }

        @Override
        public CompletionStage<Void> publish(String alias, String key) {
            if (!connected || closed) {
                return CompletableFuture.failedFuture(new CacheBackendException("local backplane member is cut"));
            }
            published.incrementAndGet();
            for (Member other : members) {
                if (other != this && other.connected && !other.closed) {
                    Listener l = other.listeners.get(alias);
                    if (l != null) {
                        if (key == null) {
                            l.onInvalidateAll();
                        } else {
                            l.onInvalidate(key);
                        }
                    }
                }
            }
            return CompletableFuture.completedFuture(null);
        }

        /** How many publications this member made while connected. */
        public int published() {
            return published.get();
        }

        @Override
        public long confirmedMillis() {
            Clock c = clock;
            if (c == null) {
                return Long.MIN_VALUE;
            }
            return connected ? c.millis() : cutAt;
        }

        @Override
        public Duration heartbeatInterval() {
            return Duration.ofMillis(1);
        }

        @Override
        public boolean connected() {
            return connected;
        }

        /** Disconnects this member: it misses what is published until {@link #restore()}. */
        public void cut() {
            Clock c = Objects.requireNonNull(clock, "not subscribed yet");
            cutAt = c.millis();
            connected = false;
        }

        /** Reconnects this member; its listeners drop every near copy (what they missed). */
        public void restore() {
            connected = true;
            listeners.values().forEach(Listener::onInvalidateAll);
        }

        @Override
        public void ping() {
            if (!connected) {
                throw new CacheBackendException("local backplane member is cut");
            }
        }

        @Override
        public String describe() {
            return "local-backplane";
        }

        @Override
        public void close() {
            closed = true;
            members.remove(this);
        }
    }
}

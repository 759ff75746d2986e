package dev.cacheback.test;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.UUID;

/**
 * Where the real servers of a test run are, and what to do when one is not there.
 *
 * <p>Addresses come from environment variables with the defaults of the project's machines:
 * {@code CACHEBACK_REDIS_URI} ({@code redis://127.0.0.1:6379}), {@code CACHEBACK_MEMCACHED}
 * ({@code 127.0.0.1:11211}), {@code CACHEBACK_RABBITMQ_URI} ({@code amqp://guest:guest@127.0.0.1:5672}),
 * {@code CACHEBACK_POSTGRES_URL} ({@code jdbc:postgresql://127.0.0.1:5432/test}, user
 * {@code CACHEBACK_POSTGRES_USER}, default {@code postgres}).
 *
 * <p>{@link #require} makes a test that needs an unreachable server fail when {@code CI=true} and
 * skip, loudly and by name, elsewhere.
 */
public final class TestServers {

    private TestServers() {
    }

    public static String redisUri() {
        return env("CACHEBACK_REDIS_URI", "redis://127.0.0.1:6379");
    }

    public static String memcachedAddress() {
        return env("CACHEBACK_MEMCACHED", "127.0.0.1:11211");
    }

    public static String rabbitUri() {
        return env("CACHEBACK_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
    }

    public static String postgresUrl() {
        return env("CACHEBACK_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    }

    public static String postgresUser() {
        return env("CACHEBACK_POSTGRES_USER", "postgres");
    }

    /** Whether this run is CI's ({@code CI=true}). */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Checks that {@code host:port} accepts connections: fails the test in CI, skips it (saying
     * which server is missing) elsewhere.
     */
    public static void require(String name, String host, int port) {
        if (reachable(host, port)) {
            return;
        }
        String message = name + " is not reachable at " + host + ":" + port + " — start it, or set its address variable";
        if (inCi()) {
            Assertions.fail(message + " (CI=true: a missing server fails the build)");
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.abort(message);
    }

    /** Whether {@code host:port} accepts a TCP connection within a second. */
    public static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A loopback port nobody listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /** A prefix unique to this run, for keys, streams and queue names that must not collide. */
    public static String uniquePrefix(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}

package dev.cacheback.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * Where the servers are: the test kit's environment variables and defaults
 * ({@code CACHEBACK_REDIS_URI}, {@code CACHEBACK_MEMCACHED}, {@code CACHEBACK_RABBITMQ_URI}).
 */
final class Servers {

    private Servers() {
    }

    static String redisUri() {
        return env("CACHEBACK_REDIS_URI", "redis://127.0.0.1:6379");
    }

    static String memcachedAddress() {
        return env("CACHEBACK_MEMCACHED", "127.0.0.1:11211");
    }

    static String rabbitUri() {
        return env("CACHEBACK_RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
    }

    static boolean redisUp() {
        URI uri = URI.create(redisUri());
        return reachable(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort());
    }

    static boolean memcachedUp() {
        String first = memcachedAddress().split("[ ,]")[0];
        int colon = first.lastIndexOf(':');
        return colon < 0 ? reachable(first, 11211) : reachable(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)));
    }

    static boolean rabbitUp() {
        URI uri = URI.create(rabbitUri());
        return reachable(uri.getHost(), uri.getPort() < 0 ? 5672 : uri.getPort());
    }

    static boolean reachable(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}

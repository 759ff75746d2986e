package dev.cacheback.memcached;

import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A memcached server of the test's own, on a free loopback port, for tests that stop, restart or
 * inspect a server: the machine's shared memcached is never touched that way.
 */
final class MemcachedProcess implements AutoCloseable {

    private final int port;
    private final String itemSize;
    private Process process;

    private MemcachedProcess(int port, String itemSize) {
        this.port = port;
        this.itemSize = itemSize;
    }

    /** Starts {@code memcached -p <free port> -U 0 -l 127.0.0.1 -I 1m}; skips (fails in CI) without the binary. */
    static MemcachedProcess start() {
        MemcachedProcess server = new MemcachedProcess(TestServers.freePort(), "1m");
        server.restart();
        return server;
    }

    /** A server on a free port that is not started yet: {@link #restart()} starts it. */
    static MemcachedProcess notStarted() {
        binary();
        return new MemcachedProcess(TestServers.freePort(), "1m");
    }

    static String binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/local/bin").split(File.pathSeparator)) {
            File f = new File(dir, "memcached");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        String message = "memcached is not installed (no memcached binary on PATH): the fault tests start their own servers";
        if (TestServers.inCi()) {
            Assertions.fail(message + " (CI=true: a missing server fails the build)");
        }
        System.err.println("SKIPPED: " + message);
        Assumptions.abort(message);
        return null;
    }

    /** Starts the server (again) on its port and waits until it accepts connections. */
    void restart() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("memcached on port " + port + " is running");
        }
        List<String> command = List.of(binary(), "-p", String.valueOf(port), "-U", "0", "-l", "127.0.0.1",
                "-m", "64", "-I", itemSize, "-u", "nobody");
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
        await("memcached on port " + port).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("memcached on port " + port + " exited with " + process.exitValue());
                    }
                    return TestServers.reachable("127.0.0.1", port);
                });
    }

    /** Stops the server (SIGTERM) and waits for it to exit: its connections close, its items are lost. */
    void stop() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            signal("-CONT");
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
    void pause() {
        signal("-STOP");
        // kill returns once the signal is sent, not once every thread has stopped: a request sent at once
        // could still be answered. Wait until the kernel reports the process stopped ('T').
        java.nio.file.Path stat = java.nio.file.Path.of("/proc", String.valueOf(process.pid()), "stat");
        if (java.nio.file.Files.exists(stat)) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .pollInterval(java.time.Duration.ofMillis(5)).until(() -> {
                        String line = java.nio.file.Files.readString(stat);
                        return line.charAt(line.lastIndexOf(')') + 2) == 'T';
                    });
        }
    }

    /** Lets a {@linkplain #pause() paused} server run again (SIGCONT). */
    void resume() {
        signal("-CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    int port() {
        return port;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        stop();
    }
}

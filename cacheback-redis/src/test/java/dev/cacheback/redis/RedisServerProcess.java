package dev.cacheback.redis;

import dev.cacheback.test.TestServers;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A private {@code redis-server} on a free port, for tests that need a Redis in an odd state (a
 * cluster, stopped, killed). Every process started is killed by {@link #close()} and, should a test
 * forget, by a JVM shutdown hook.
 */
final class RedisServerProcess implements AutoCloseable {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "redis-server-reaper"));
    }

    private volatile Process process;
    private final int port;
    private final Path dir;
    private final List<String> command;

    private RedisServerProcess(Process process, int port, Path dir, List<String> command) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.command = command;
    }

    /** Skips (or fails, in CI) when {@code redis-server} / {@code redis-cli} are not installed. */
    static void requireBinaries() {
        for (String binary : List.of("redis-server", "redis-cli")) {
            boolean found = false;
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, binary))) {
                    found = true;
                }
            }
            if (!found) {
                String message = binary + " is not installed (apt-get install redis-server): needed for private Redis servers";
                if (TestServers.inCi()) {
                    Assertions.fail(message);
                }
                System.err.println("SKIPPED: " + message);
                Assumptions.abort(message);
            }
        }
    }

    /** Starts a redis-server on a free port in its own temporary directory and waits until it answers. */
    static RedisServerProcess start(String... extraArgs) {
        requireBinaries();
        int port = TestServers.freePort();
        try {
            Path dir = Files.createTempDirectory("cacheback-redis-" + port);
            List<String> command = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"));
            command.addAll(List.of(extraArgs));
            RedisServerProcess server = new RedisServerProcess(null, port, dir, List.copyOf(command));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
    }

    /** Starts the process (again) with the same command, port and directory, and waits until it answers. */
    private void launch() throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        RUNNING.add(p);
        process = p;
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !p.isAlive() || "PONG".equals(cli("ping").trim()));
            if (!p.isAlive()) {
                throw new IllegalStateException("redis-server on port " + port + " exited: " + log());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Kills the server at once (SIGKILL), keeping its directory (and append-only file) for {@link #restart()}. */
    void kill() {
        Process p = process;
        resume();
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RUNNING.remove(p);
    }

    /** Starts the killed server again on the same port and directory, and waits until it answers. */
    void restart() {
        try {
            launch();
        } catch (IOException e) {
            throw new IllegalStateException("cannot restart redis-server", e);
        }
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Runs {@code redis-cli -p port args…} and returns its output. */
    String cli(String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
        command.addAll(List.of(args));
        return run(command);
    }

    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
    void suspend() {
        run(List.of("kill", "-STOP", String.valueOf(process.pid())));
    }

    /** The server's process id (changes with {@link #restart()}). */
    long pid() {
        return process.pid();
    }

    /** Lets a frozen server go on (SIGCONT). */
    void resume() {
        run(List.of("kill", "-CONT", String.valueOf(process.pid())));
    }

    String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Kills the server (SIGKILL, after SIGCONT in case it is frozen) and waits for it to end. */
    @Override
    public void close() {
        Process process = this.process;
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            resume();
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RUNNING.remove(process);
    }
}

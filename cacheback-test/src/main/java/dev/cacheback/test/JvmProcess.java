package dev.cacheback.test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Another JVM running a {@code main} class from this test's classpath: for tests that prove
 * behaviour across processes (one refresh across N processes, a worker killed mid-task). Output lines
 * are collected (and echoed with a prefix); {@link #close()} kills the process if it still runs.
 */
public final class JvmProcess implements AutoCloseable {

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final String label;

    private JvmProcess(String label, Process process) {
        this.label = label;
        this.process = process;
        Thread reader = new Thread(this::readOutput, "jvm-process-" + label);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code mainClass} with {@code args} in a new JVM on this JVM's classpath, with a small
     * heap. Environment variables of this process are inherited.
     */
    public static JvmProcess start(String label, Class<?> mainClass, String... args) {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .directory(new File(System.getProperty("user.dir"))).start();
            return new JvmProcess(label, process);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + mainClass.getName(), e);
        }
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                System.out.println("[" + label + "] " + line);
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    /** Every line printed so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** Whether some line printed so far equals or starts with {@code prefix}. */
    public boolean printed(String prefix) {
        return lines.stream().anyMatch(l -> l.startsWith(prefix));
    }

    /** Waits for the process to end and returns its exit code. */
    public int waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(label + " did not end within " + timeout + "; output: " + lines);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Kills the process at once (SIGKILL): what a crash looks like to the others. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Asks the process to stop (SIGTERM: shutdown hooks run). Signals through the process handle, so
     * what the process prints while shutting down is still read.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}

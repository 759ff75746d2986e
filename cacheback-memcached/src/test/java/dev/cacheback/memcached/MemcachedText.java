package dev.cacheback.memcached;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A few memcached text-protocol commands over a plain socket: for tests that look at a server
 * without going through xmemcached (which server holds a key, what time to live it has, foreign
 * bytes, counters, statistics). Thread-safe (one command at a time).
 */
final class MemcachedText implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    MemcachedText(String address) {
        int colon = address.lastIndexOf(':');
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), 2000);
            socket.setSoTimeout(5000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to memcached at " + address, e);
        }
    }

    /** {@code set}: stores raw bytes with the given flags and exptime. */
    synchronized void set(String key, int flags, int exptime, byte[] value) {
        send(("set " + key + " " + flags + " " + exptime + " " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII), value,
                "\r\n".getBytes(StandardCharsets.US_ASCII));
        expect("STORED");
    }

    synchronized void set(String key, String value) {
        set(key, 0, 3600, value.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code get}: the raw bytes, or {@code null}. */
    synchronized byte[] get(String key) {
        send(("get " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
        String line = line();
        if (line.equals("END")) {
            return null;
        }
        if (!line.startsWith("VALUE ")) {
            throw new IllegalStateException("unexpected answer to get: " + line);
        }
        int size = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
        byte[] data = readBytes(size);
        line(); // CRLF after the data
        expect("END");
        return data;
    }

    synchronized String getString(String key) {
        byte[] bytes = get(key);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** {@code incr}: the new value, or -1 when the key does not exist. */
    synchronized long incr(String key, long by) {
        send(("incr " + key + " " + by + "\r\n").getBytes(StandardCharsets.US_ASCII));
        String line = line();
        return line.equals("NOT_FOUND") ? -1 : Long.parseLong(line.trim());
    }

    /**
     * The seconds the item at {@code key} has left (meta get's {@code t} flag): {@code -1} for an
     * item that never expires, {@code null} when there is no item.
     */
    synchronized Long remainingTtl(String key) {
        send(("mg " + key + " t\r\n").getBytes(StandardCharsets.US_ASCII));
        String line = line();
        if (line.equals("EN")) {
            return null;
        }
        for (String token : line.split(" ")) {
            if (token.startsWith("t")) {
                return Long.parseLong(token.substring(1));
            }
        }
        throw new IllegalStateException("unexpected answer to mg: " + line);
    }

    /** {@code stats}: every general statistic. */
    synchronized Map<String, String> stats() {
        send("stats\r\n".getBytes(StandardCharsets.US_ASCII));
        Map<String, String> stats = new LinkedHashMap<>();
        for (String line = line(); !line.equals("END"); line = line()) {
            String[] parts = line.split(" ", 3);
            stats.put(parts[1], parts[2]);
        }
        return stats;
    }

    /** The commands that reach the server's key store: gets, sets (incl. add), deletes, touches. */
    long keyCommands() {
        Map<String, String> s = stats();
        return Long.parseLong(s.get("cmd_get")) + Long.parseLong(s.get("cmd_set")) + Long.parseLong(s.get("cmd_touch"))
                + Long.parseLong(s.get("delete_hits")) + Long.parseLong(s.get("delete_misses"));
    }

    private void send(byte[]... parts) {
        try {
            for (byte[] part : parts) {
                out.write(part);
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void expect(String answer) {
        String line = line();
        if (!line.equals(answer)) {
            throw new IllegalStateException("expected " + answer + " from memcached, got " + line);
        }
    }

    private String line() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            int previous = -1;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                if (previous == '\r' && b == '\n') {
                    byte[] bytes = buffer.toByteArray();
                    return new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII);
                }
                buffer.write(b);
                previous = b;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] readBytes(int size) {
        try {
            return in.readNBytes(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}

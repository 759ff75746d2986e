package dev.cacheback.benchmarks;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * A candidate fast path for core's default {@code Job.key(args)}, measured here before it is proposed
 * (docs/benchmarks.md, "Hit path"): for {@code String}, {@code Integer}, {@code Long}, {@code Boolean}
 * and {@code UUID} arguments it writes the exact bytes the default Jackson codec writes (checked by
 * {@code KeyFastPathTest} against the codec) straight into a per-thread buffer and hashes them with a
 * per-thread SHA-256, skipping Jackson and the digest clone. Anything else (or a string with
 * characters Jackson escapes, or non-ASCII) returns {@code null}: the caller falls back to the codec.
 *
 * <p>The only allocation left is the key string itself.
 */
final class KeyFastPath {

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int MAX_INLINE = 256;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final MessageDigest sha256;
        final byte[] json = new byte[MAX_INLINE];
        final byte[] digest = new byte[32];
        final char[] key = new char[MAX_INLINE + 40];

        Scratch() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private KeyFastPath() {
    }

    /** {@code name + ':' + 32 hex of SHA-256(canonical JSON of args)}, or {@code null} when not on the fast path. */
    static String key(String name, Object args) {
        Scratch s = SCRATCH.get();
        int n = json(args, s.json);
        if (n < 0 || name.length() > MAX_INLINE) {
            return null;
        }
        s.sha256.update(s.json, 0, n);
        try {
            s.sha256.digest(s.digest, 0, 32);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        char[] out = s.key;
        int len = name.length();
        name.getChars(0, len, out, 0);
        out[len++] = ':';
        for (int i = 0; i < 16; i++) {
            out[len++] = (char) HEX[(s.digest[i] >> 4) & 0xF];
            out[len++] = (char) HEX[s.digest[i] & 0xF];
        }
        return new String(out, 0, len);
    }

    /** Writes the default codec's JSON for {@code args} into {@code buf}; -1 when not handled here. */
    static int json(Object args, byte[] buf) {
        Class<?> type = args.getClass();
        if (type == String.class) {
            return string((String) args, buf);
        }
        if (type == Long.class || type == Integer.class) {
            return ascii(args.toString(), buf, false);
        }
        if (type == Boolean.class) {
            return ascii((Boolean) args ? "true" : "false", buf, false);
        }
        if (type == UUID.class) {
            return ascii(args.toString(), buf, true);
        }
        return -1;
    }

    private static int string(String s, byte[] buf) {
        int len = s.length();
        if (len + 2 > buf.length) {
            return -1;
        }
        buf[0] = '"';
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            // Jackson escapes control characters, '"' and '\\'; non-ASCII is UTF-8: leave both to it
            if (c < 0x20 || c > 0x7f || c == '"' || c == '\\') {
                return -1;
            }
            buf[i + 1] = (byte) c;
        }
        buf[len + 1] = '"';
        return len + 2;
    }

    private static int ascii(String s, byte[] buf, boolean quoted) {
        int at = 0;
        if (quoted) {
            buf[at++] = '"';
        }
        for (int i = 0; i < s.length(); i++) {
            buf[at++] = (byte) s.charAt(i);
        }
        if (quoted) {
            buf[at++] = '"';
        }
        return at;
    }
}

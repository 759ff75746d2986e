package dev.cacheback.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The default key's hash: the first 128 bits of SHA-256, as 32 lower-case hex digits. */
public final class KeyHasher {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private KeyHasher() {
    }

    /** {@code prefix + ':' + hex(sha256(bytes)[0..16])}. */
    public static String key(String prefix, byte[] bytes) {
        byte[] digest = digest().digest(bytes);
        char[] out = new char[prefix.length() + 1 + 32];
        prefix.getChars(0, prefix.length(), out, 0);
        int at = prefix.length();
        out[at++] = ':';
        for (int i = 0; i < 16; i++) {
            out[at++] = HEX[(digest[i] >> 4) & 0xF];
            out[at++] = HEX[digest[i] & 0xF];
        }
        return new String(out);
    }

    private static MessageDigest digest() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }
}

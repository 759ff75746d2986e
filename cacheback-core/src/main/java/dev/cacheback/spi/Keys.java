package dev.cacheback.spi;

/**
 * The rule every cache key obeys, whatever the backend: 1 to {@value #MAX_KEY_BYTES} bytes of
 * printable ASCII ({@code '!'} to {@code '~'}), so no spaces and no control characters. That is
 * memcached's rule (250 bytes) less {@value #RESERVED_SUFFIX_BYTES} bytes a backend may append for
 * the key's lease.
 */
public final class Keys {

    /** The longest key a job may use. */
    public static final int MAX_KEY_BYTES = 240;

    /** Bytes a backend may append to a key (for its lease) and still fit memcached's 250. */
    public static final int RESERVED_SUFFIX_BYTES = 10;

    private Keys() {
    }

    /**
     * Returns {@code null} when {@code key} obeys the rule, or a sentence saying which part it breaks.
     */
    public static String violation(String key) {
        if (key == null) {
            return "the key is null";
        }
        if (key.isEmpty()) {
            return "the key is empty";
        }
        if (key.length() > MAX_KEY_BYTES) {
            return "the key is " + key.length() + " bytes long; keys are at most " + MAX_KEY_BYTES + " bytes";
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c > '~') {
                return "the key has " + describe(c) + " at index " + i
                        + "; keys are printable ASCII without spaces or control characters";
            }
        }
        return null;
    }

    /**
     * Checks the rule.
     *
     * @throws IllegalArgumentException naming the rule {@code key} breaks
     */
    public static String validate(String key) {
        String violation = violation(key);
        if (violation != null) {
            throw new IllegalArgumentException("Invalid cache key \"" + key + "\": " + violation);
        }
        return key;
    }

    private static String describe(char c) {
        if (c == ' ') {
            return "a space";
        }
        if (c < ' ' || c == 127) {
            return String.format("control character U+%04X", (int) c);
        }
        return String.format("non-ASCII character U+%04X", (int) c);
    }
}

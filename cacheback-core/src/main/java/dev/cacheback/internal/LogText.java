package dev.cacheback.internal;

/** Makes text from messages safe to log: no line breaks or control characters, bounded length. */
public final class LogText {

    private static final int MAX = 200;

    private LogText() {
    }

    /**
     * {@code text} with control characters (CR, LF, tab, ESC …) as {@code \\uXXXX} escapes and a
     * backslash doubled, cut to 200 characters with {@code …}: a forged job name cannot start a log line.
     */
    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = null;
        int n = Math.min(text.length(), MAX);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean unsafe = c < 0x20 || c == 0x7F || c == '\\' || (c >= 0x80 && c <= 0x9F) || c == '\u2028' || c == '\u2029';
            if (unsafe && sb == null) {
                sb = new StringBuilder(n + 16).append(text, 0, i);
            }
            if (sb != null) {
                if (c == '\\') {
                    sb.append("\\\\");
                } else if (unsafe) {
                    sb.append(String.format("\\u%04X", (int) c));
                } else {
                    sb.append(c);
                }
            }
        }
        String out = sb != null ? sb.toString() : text.substring(0, n);
        return text.length() > MAX ? out + "…" : out;
    }
}

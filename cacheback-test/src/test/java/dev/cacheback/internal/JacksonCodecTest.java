package dev.cacheback.internal;

import dev.cacheback.spi.Codec;
import dev.cacheback.spi.CodecException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The default codec reads a value in place within an entry's bytes, and reads a plain ASCII string
 * without a parser: every answer must be what Jackson itself gives for the same bytes.
 */
class JacksonCodecTest {

    private final Codec codec = Codec.jackson();
    /** The same mapper settings read through Jackson every time (a given mapper never takes the shortcut). */
    private final Codec jackson = new JacksonCodec(JsonMapper.builder().build());

    @Test
    void aStringDecodesAsJacksonDecodesItWhateverItHolds() {
        List<String> values = List.of("", "a", "hello world", "key:42/x?y=1", "tab\there", "quote\"inside",
                "back\\slash", "line\nbreak", "caf\u00e9", "\u2603 snow", "\u0000nul", "\u007fdel", "~!@#$%^&*()_+{}|:<>?",
                "  spaces  ", "null", "\"", "\\");
        for (String value : values) {
            byte[] json = codec.encode(value, String.class);
            assertThat(codec.decode(json, String.class)).as("round trip of %s", value).isEqualTo(value);
            assertThat(codec.decode(json, String.class)).isEqualTo(jackson.decode(json, String.class));
        }
    }

    @Test
    void aRangeDecodesInPlaceLikeItsCopy() {
        byte[] header = {1, 2, 3, 4};
        for (Object value : List.<Object>of("plain", "caf\u00e9", 42, Map.of("a", 1))) {
            Type type = value instanceof Map ? Map.class : value.getClass();
            byte[] json = codec.encode(value, type);
            byte[] framed = new byte[header.length + json.length + 3];
            System.arraycopy(header, 0, framed, 0, header.length);
            System.arraycopy(json, 0, framed, header.length, json.length);
            framed[framed.length - 1] = '"';   // bytes after the range must not be read
            assertThat(codec.decode(framed, header.length, json.length, type)).isEqualTo(codec.decode(json, type));
        }
    }

    @Test
    void bytesThatAreNotAPlainStringAreJudgedByJackson() {
        for (String text : List.of("\"unterminated", "unquoted", "\"a\"b\"", "\"bad escape \\q\"", "\"", "42")) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Object ours = outcome(() -> codec.decode(bytes, String.class));
            Object theirs = outcome(() -> jackson.decode(bytes, String.class));
            assertThat(ours).as(text).isEqualTo(theirs);
        }
        assertThatThrownBy(() -> codec.decode(new byte[] {'"', 'a'}, String.class)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> codec.decode(new byte[3], 2, 5, String.class)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static Object outcome(java.util.function.Supplier<Object> decode) {
        try {
            return decode.get();
        } catch (CodecException e) {
            return CodecException.class;
        }
    }
}

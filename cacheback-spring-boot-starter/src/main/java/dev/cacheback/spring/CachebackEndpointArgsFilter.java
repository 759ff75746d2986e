package dev.cacheback.spring;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Lets {@code POST /actuator/cacheback/{job}} take {@code "args"} as any JSON value
 * ({@code ["ACME", 2]}, {@code "ACME"}, {@code {"id": 7}}): Actuator's servlet handler reads a request
 * body as string values only, so this filter hands the endpoint {@code args} as the JSON text of
 * the value that was sent. Other requests pass untouched. Bodies over 64 KB are refused with 413.
 * Thread-safe.
 */
final class CachebackEndpointArgsFilter implements Filter {

    private static final int MAX_BODY = 64 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String prefix;

    /** @param prefix the endpoint's path below the context path, ending with {@code /}, e.g. {@code /actuator/cacheback/} */
    CachebackEndpointArgsFilter(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !"POST".equals(http.getMethod())
                || !http.getRequestURI().startsWith(http.getContextPath() + prefix)) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = http.getInputStream().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            ((HttpServletResponse) response).sendError(413, "The cacheback endpoint takes request bodies up to 64 KB");
            return;
        }
        chain.doFilter(new Body(http, argsAsJsonText(body)), response);
    }

    /** The body with {@code args} replaced by its JSON text; unchanged when it is no JSON object or has no {@code args}. */
    static byte[] argsAsJsonText(byte[] body) {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (JacksonException notJson) {
            return body;                                  // Actuator answers 400
        }
        if (!(tree instanceof ObjectNode object) || !object.has("args") || object.get("args").isNull()) {
            return body;
        }
        object.put("args", JSON.writeValueAsString(object.get("args")));
        return JSON.writeValueAsBytes(object);
    }

    /** A request whose body is {@code bytes}. */
    private static final class Body extends HttpServletRequestWrapper {
        private final byte[] bytes;

        Body(HttpServletRequest request, byte[] bytes) {
            super(request);
            this.bytes = bytes;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(bytes);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return bytes.length;
        }

        @Override
        public long getContentLengthLong() {
            return bytes.length;
        }
    }
}

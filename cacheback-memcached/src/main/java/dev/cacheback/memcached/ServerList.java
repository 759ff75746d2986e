package dev.cacheback.memcached;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Parses {@code "host:port host2:port"} (spaces or commas between servers, port 11211 when left out). */
final class ServerList {

    static final int DEFAULT_PORT = 11211;

    private ServerList() {
    }

    /**
     * The servers written in {@code servers}, unresolved (xmemcached resolves them when it connects).
     *
     * @throws IllegalArgumentException naming the part that is not a {@code host[:port]}
     */
    static List<InetSocketAddress> parse(String servers) {
        if (servers == null || servers.isBlank()) {
            throw new IllegalArgumentException("memcached servers must be given as \"host:port\", several separated by "
                    + "spaces or commas, not " + (servers == null ? "null" : "\"" + servers + "\""));
        }
        Set<String> seen = new LinkedHashSet<>();
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String part : servers.trim().split("[\\s,]+")) {
            InetSocketAddress address = parseOne(part);
            String normal = address.getHostString() + ":" + address.getPort();
            if (!seen.add(normal)) {
                throw new IllegalArgumentException("memcached server " + normal + " is listed twice in \"" + servers + "\"");
            }
            addresses.add(address);
        }
        return List.copyOf(addresses);
    }

    private static InetSocketAddress parseOne(String part) {
        String host;
        String port = null;
        if (part.startsWith("[")) {
            int close = part.indexOf(']');
            if (close < 0) {
                throw invalid(part, "an IPv6 address must be closed with ']'");
            }
            host = part.substring(1, close);
            String rest = part.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw invalid(part, "expected ':' and a port after ']'");
                }
                port = rest.substring(1);
            }
        } else {
            int colon = part.indexOf(':');
            if (colon >= 0 && part.indexOf(':', colon + 1) >= 0) {
                throw invalid(part, "write IPv6 addresses in brackets: [::1]:11211");
            }
            host = colon < 0 ? part : part.substring(0, colon);
            port = colon < 0 ? null : part.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw invalid(part, "the host is empty");
        }
        int portNumber = DEFAULT_PORT;
        if (port != null) {
            try {
                portNumber = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw invalid(part, "the port is not a number");
            }
            if (portNumber < 1 || portNumber > 65_535) {
                throw invalid(part, "the port must be 1 to 65535");
            }
        }
        return InetSocketAddress.createUnresolved(host, portNumber);
    }

    /** {@code host:port} for logs and errors ({@code [v6]:port} for IPv6 literals). */
    static String format(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static IllegalArgumentException invalid(String part, String why) {
        return new IllegalArgumentException("Invalid memcached server \"" + part + "\": " + why
                + " (expected host:port, such as cache-1:11211)");
    }
}

package dev.cacheback.memcached;

import com.google.code.yanf4j.core.Session;
import net.rubyeye.xmemcached.MemcachedSessionLocator;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Asks the backend's own ring (the locator {@link MemcachedCacheBackend} installs) where keys go:
 * adding a fourth server to three must move about a quarter of the keys, all of them to the new
 * server, where modulo hashing would move three quarters.
 */
class ConsistentHashingTest {

    @Test
    void addingAFourthServerMovesAMinorityOfKeysAndOnlyToTheNewServer() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            keys.add("dev.cacheback.Job:" + Integer.toHexString(i * 7919) + "0123456789abcdef");
        }
        Map<String, String> three = placement(keys, "10.0.0.1", "10.0.0.2", "10.0.0.3");
        Map<String, String> four = placement(keys, "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4");

        long moved = keys.stream().filter(k -> !three.get(k).equals(four.get(k))).count();
        assertThat(moved).as("keys moved by adding a 4th server").isGreaterThan(150).isLessThan(350);
        keys.stream().filter(k -> !three.get(k).equals(four.get(k)))
                .forEach(k -> assertThat(four.get(k)).as("a moved key goes to the new server").isEqualTo("/10.0.0.4:11211"));
        // every server of the four has a fair share
        Map<String, Integer> load = new HashMap<>();
        four.values().forEach(s -> load.merge(s, 1, Integer::sum));
        assertThat(load).hasSize(4).allSatisfy((server, n) -> assertThat(n).isBetween(150, 350));
    }

    private static Map<String, String> placement(List<String> keys, String... hosts) {
        MemcachedSessionLocator locator = MemcachedCacheBackend.newLocator();
        List<Session> sessions = new ArrayList<>();
        for (String host : hosts) {
            sessions.add(session(new InetSocketAddress(host, 11211)));
        }
        locator.updateSessions(sessions);
        Map<String, String> placement = new HashMap<>();
        for (String key : keys) {
            placement.put(key, String.valueOf(locator.getSessionByKey(key).getRemoteSocketAddress()));
        }
        return placement;
    }

    /** A connected session to {@code address}: all the ring looks at. */
    private static Session session(InetSocketAddress address) {
        return (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[]{Session.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getRemoteSocketAddress" -> address;
                    case "isClosed" -> false;
                    case "hashCode" -> address.hashCode();
                    case "equals" -> proxy == args[0];
                    case "toString" -> "session to " + address;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}

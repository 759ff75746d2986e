package dev.cacheback.memcached;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerListTest {

    @Test
    void parsesSpaceOrCommaSeparatedHostsWithDefaultPort() {
        assertThat(ServerList.parse(" cache-1:11211, cache-2  10.0.0.3:11300 [::1]:11400 "))
                .extracting(ServerList::format)
                .containsExactly("cache-1:11211", "cache-2:11211", "10.0.0.3:11300", "[::1]:11400");
    }

    @Test
    void rejectsWhatIsNotHostPort() {
        assertThatThrownBy(() -> ServerList.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerList.parse("a:b")).hasMessageContaining("\"a:b\"").hasMessageContaining("not a number");
        assertThatThrownBy(() -> ServerList.parse("a:0")).hasMessageContaining("1 to 65535");
        assertThatThrownBy(() -> ServerList.parse(":11211")).hasMessageContaining("host is empty");
        assertThatThrownBy(() -> ServerList.parse("::1:11211")).hasMessageContaining("brackets");
        assertThatThrownBy(() -> ServerList.parse("a:1 a:1")).hasMessageContaining("listed twice");
    }

    @Test
    void formatsIpv6InBrackets() {
        assertThat(ServerList.format(InetSocketAddress.createUnresolved("::1", 5))).isEqualTo("[::1]:5");
    }
}

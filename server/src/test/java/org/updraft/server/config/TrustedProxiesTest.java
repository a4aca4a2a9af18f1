package org.updraft.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void parsesAddressesAndBlocksSeparatedByCommasOrSpaces() {
        assertThat(TrustedProxies.parse("127.0.0.1, 10.0.0.0/8 ::1").toString())
                .isEqualTo("127.0.0.1/32, 10.0.0.0/8, 0:0:0:0:0:0:0:1/128");
        assertThat(TrustedProxies.parse("").isEmpty()).isTrue();
        assertThat(TrustedProxies.parse("none")).isEqualTo(TrustedProxies.NONE);
        assertThat(TrustedProxies.parse(null).toString()).isEqualTo("none");
    }

    @Test
    void refusesHostNamesBadPrefixesAndOctetsNamingTheEntry() {
        assertThatThrownBy(() -> TrustedProxies.parse("127.0.0.1, proxy.example.com"))
                .hasMessage("'proxy.example.com' is not an IP address or CIDR block; expected e.g. 127.0.0.1, 10.0.0.0/8 or ::1 "
                        + "(host names are not accepted)");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/33")).hasMessage("'10.0.0.0/33': the prefix length after / must be 0..32");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/x")).hasMessage("'10.0.0.0/x': the prefix length after / must be 0..32");
        assertThatThrownBy(() -> TrustedProxies.parse("300.1.1.1")).hasMessageStartingWith("'300.1.1.1' is not an IP address");
    }

    @Test
    void blocksMatchByPrefixAndFamily() throws Exception {
        TrustedProxies p = TrustedProxies.parse("10.1.0.0/16, 192.168.7.9, fd00::/8");
        assertThat(p.trusts(ip("10.1.255.3"))).isTrue();
        assertThat(p.trusts(ip("10.2.0.1"))).isFalse();
        assertThat(p.trusts(ip("192.168.7.9"))).isTrue();
        assertThat(p.trusts(ip("192.168.7.8"))).isFalse();
        assertThat(p.trusts(ip("fd12::1"))).isTrue();
        assertThat(p.trusts(ip("fe80::1"))).isFalse();
        assertThat(TrustedProxies.parse("10.1.2.0/23").trusts(ip("10.1.3.200"))).isTrue();
        assertThat(TrustedProxies.parse("10.1.2.0/23").trusts(ip("10.1.4.0"))).isFalse();
        assertThat(p.trusts(null)).isFalse();
    }

    @Test
    void anUntrustedPeerKeepsItsOwnAddressWhateverItsHeaderClaims() throws Exception {
        TrustedProxies p = TrustedProxies.parse("127.0.0.1");
        assertThat(p.client(ip("198.51.100.4"), List.of("203.0.113.7"))).isEqualTo(ip("198.51.100.4"));
        assertThat(TrustedProxies.NONE.client(ip("127.0.0.1"), List.of("203.0.113.7"))).isEqualTo(ip("127.0.0.1"));
    }

    @Test
    void aTrustedPeerNamesTheRightmostUntrustedHop() throws Exception {
        TrustedProxies p = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8");
        // A client that forges a first entry: the proxy appended the address it really saw.
        assertThat(p.client(ip("127.0.0.1"), List.of("1.2.3.4, 203.0.113.7"))).isEqualTo(ip("203.0.113.7"));
        // Two proxies of ours: the edge one (10.0.0.5) appended the client, the inner one the edge.
        assertThat(p.client(ip("127.0.0.1"), List.of("203.0.113.7, 10.0.0.5"))).isEqualTo(ip("203.0.113.7"));
        // Several header lines count as one list, in order.
        assertThat(p.client(ip("127.0.0.1"), List.of("203.0.113.7", "10.0.0.5"))).isEqualTo(ip("203.0.113.7"));
        // Only proxies of ours: the leftmost.
        assertThat(p.client(ip("127.0.0.1"), List.of("10.0.0.9, 10.0.0.5"))).isEqualTo(ip("10.0.0.9"));
        // No header: the peer.
        assertThat(p.client(ip("127.0.0.1"), List.of())).isEqualTo(ip("127.0.0.1"));
    }

    @Test
    void aGarbledEntryEndsTheWalkAtTheLastGoodAddress() throws Exception {
        TrustedProxies p = TrustedProxies.parse("127.0.0.1, 10.0.0.0/8");
        assertThat(p.client(ip("127.0.0.1"), List.of("203.0.113.7, unknown, 10.0.0.5"))).isEqualTo(ip("10.0.0.5"));
        assertThat(p.client(ip("127.0.0.1"), List.of("evil.example"))).isEqualTo(ip("127.0.0.1"));
        assertThat(p.client(ip("127.0.0.1"), List.of("[2001:db8::7]"))).isEqualTo(ip("2001:db8::7"));
    }
}

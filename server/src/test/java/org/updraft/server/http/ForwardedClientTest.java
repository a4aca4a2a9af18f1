package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.config.TrustedProxies;
import org.updraft.testsupport.Multipart;

/**
 * The client's address behind a reverse proxy (docs/production.md, "Behind nginx"): the server
 * takes it from X-Forwarded-For only when the connection comes from a configured trusted proxy,
 * for the address a check-in records and for the per-address rate limit. The tests connect from
 * 127.0.0.1, so they play the proxy when 127.0.0.1 is trusted and a stranger when it is not.
 */
class ForwardedClientTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(1, 4_000).build();
    static final String MAC = "DE:BA:7A:B1:E0:51";

    static String checkInVia(String forwardedFor) {
        return RawHttp.esp8266CheckIn(MAC, V1).replace("Content-Length: 0\r\n", "X-Forwarded-For: " + forwardedFor + "\r\nContent-Length: 0\r\n");
    }

    static TestServer server(String trusted) {
        TestServer s = new TestServer(org.updraft.server.TestDatabase.EMBEDDED, c -> c.withTrustedProxies(TrustedProxies.parse(trusted))
                .withLimits(c.limits().with("ip-rate", "1/min").with("ip-burst", "2")));
        s.product("relay", "arduino-4m");
        s.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
        return s;
    }

    @Test
    void aTrustedProxysForwardedAddressIsTheDevicesAddress() throws Exception {
        try (TestServer server = server("127.0.0.1")) {
            assertThat(RawHttp.exchange(server.port(), checkInVia("1.2.3.4, 203.0.113.7")).status()).isEqualTo(304);

            String device = server.expect(200, server.get("/api/v1/devices/" + MAC));
            assertThat(device).contains("\"address\":\"203.0.113.7\"");
        }
    }

    @Test
    void anUntrustedClientsForwardedForIsIgnored() throws Exception {
        try (TestServer server = server("10.9.9.9")) {
            assertThat(RawHttp.exchange(server.port(), checkInVia("203.0.113.7")).status()).isEqualTo(304);

            String device = server.expect(200, server.get("/api/v1/devices/" + MAC));
            assertThat(device).contains("\"address\":\"127.0.0.1\"").doesNotContain("203.0.113.7");
        }
    }

    @Test
    void theRateLimitCountsTheForwardedClientNotTheProxy() throws Exception {
        try (TestServer server = server("127.0.0.1")) {
            // Two clients behind the one proxy: each has its own bucket of two.
            assertThat(RawHttp.exchange(server.port(), checkInVia("203.0.113.7")).status()).isEqualTo(304);
            assertThat(RawHttp.exchange(server.port(), checkInVia("203.0.113.7")).status()).isEqualTo(304);
            assertThat(RawHttp.exchange(server.port(), checkInVia("203.0.113.8")).status()).isEqualTo(304);
            RawHttp.Response third = RawHttp.exchange(server.port(), checkInVia("203.0.113.7"));

            assertThat(third.status()).isEqualTo(429);
            assertThat(third.header("X-Updraft-Reason")).contains("203.0.113.7");
        }
    }

    @Test
    void withoutATrustedProxyALoopbackClientStaysExemptWhateverItClaims() throws Exception {
        try (TestServer server = server("none")) {
            for (int i = 0; i < 4; i++) {
                assertThat(RawHttp.exchange(server.port(), checkInVia("203.0.113.7")).status()).isEqualTo(304);
            }
        }
    }
}

package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;

/**
 * A refusal quotes what the client sent by one rule: at most 64 characters, then the length
 * ("... (1500 characters)"). A 1,500-character path segment, version or Content-Type comes back
 * as a bounded quote, never in full.
 */
class BoundedEchoTest {

    static final String LONG = "A".repeat(1_500);
    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
        server.product("relay", "arduino-4m");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> requests() {
        String auth = "Authorization: Bearer " + TestServer.ADMIN_TOKEN + "\r\n";
        return Stream.of(
                Arguments.of("unknown path", 404, "GET /nothing/" + LONG + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                Arguments.of("unknown product", 404, "GET /api/v1/products/" + LONG + " HTTP/1.1\r\nHost: x\r\n" + auth
                        + "Connection: close\r\n\r\n"),
                Arguments.of("unknown release", 404, "GET /api/v1/products/relay/releases/" + LONG + " HTTP/1.1\r\nHost: x\r\n" + auth
                        + "Connection: close\r\n\r\n"),
                Arguments.of("upload Content-Type", 415, "POST /api/v1/products/relay/releases HTTP/1.1\r\nHost: x\r\n" + auth
                        + "Content-Type: text/" + LONG + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                Arguments.of("device at an unknown product", 404, "GET /u/" + LONG + " HTTP/1.1\r\nHost: x\r\n"
                        + "User-Agent: ESP8266-http-Update\r\nx-ESP8266-STA-MAC: 18:FE:34:00:00:01\r\nConnection: close\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void theQuoteIsBounded(String what, int status, String request) throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), request);
        assertThat(r.status()).isEqualTo(status);
        String said = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8) + r.headers();
        assertThat(said).doesNotContain("A".repeat(65)).contains("A".repeat(10) + "... (");
    }
}

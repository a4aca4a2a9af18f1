package org.updraft.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.updraft.server.config.Limits;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;

/** Header timeout against a dribbling client, per-address and per-device rate limits, and limit parsing. */
class LimitsTest {

    static TestServer server(Limits limits) {
        return new TestServer(TestDatabase.EMBEDDED, c -> c.withLimits(limits));
    }

    /**
     * Slow loris: the header arrives one byte per 100 ms and never ends. With header-timeout
     * 500 ms the server closes the connection within two timeouts, although bytes keep coming (so
     * the idle timeout never fires), and it keeps serving other clients meanwhile.
     */
    @Test
    void aClientDribblingItsHeaderIsCutOffAfterTheHeaderTimeout() throws Exception {
        try (TestServer server = server(Limits.DEFAULTS.with("header-timeout", "500ms"))) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
                s.setSoTimeout(50);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                long start = System.nanoTime();
                boolean closed = false;
                while (!closed && System.nanoTime() - start < 5_000_000_000L) {
                    try {
                        out.write('a');
                        out.flush();
                    } catch (SocketException e) {
                        closed = true;
                        break;
                    }
                    try {
                        closed = in.read() < 0;
                    } catch (java.net.SocketTimeoutException e) {
                        // nothing yet: dribble on
                    } catch (SocketException e) {
                        closed = true;
                    }
                    Thread.sleep(50);
                    if (!closed) {
                        assertThat(RawHttp.exchange(server.port(), "GET /health HTTP/1.0\r\n\r\n").status())
                                .as("others are served meanwhile").isEqualTo(200);
                    }
                }
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertThat(closed).as("closed after " + ms + " ms").isTrue();
                assertThat(ms).isBetween(400L, 2_500L);
            }
        }
    }

    /**
     * min-upload-rate: on every route that reads a body — the open device report, a JSON management
     * call, a PEM key upload, a multipart release upload — a body trickling in at 10 bytes/s (one
     * byte per 100 ms) against a limit of 200 bytes/s is answered 408 naming the limit once the
     * grace (header-timeout, 1 s here) is over, instead of holding the connection until the idle
     * timeout. The loop is bounded at 8 s per route; no timing is asserted.
     */
    @Test
    void aBodyTricklingInIsCutOffWith408OnEveryRouteThatReadsOne() throws Exception {
        Limits limits = Limits.DEFAULTS.with("min-upload-rate", "200").with("header-timeout", "1s");
        try (TestServer server = server(limits)) {
            server.product("relay", "arduino-4m");
            String auth = "Authorization: Bearer " + TestServer.ADMIN_TOKEN + "\r\n";
            Map<String, String> routes = new LinkedHashMap<>();
            routes.put("POST /u/relay/report", "Content-Type: application/json\r\n");
            routes.put("POST /api/v1/products", auth + "Content-Type: application/json\r\n");
            routes.put("POST /api/v1/products/relay/keys", auth + "Content-Type: application/x-pem-file\r\n");
            routes.put("POST /api/v1/products/relay/releases", auth + "Content-Type: multipart/form-data; boundary=b\r\n");
            for (var route : routes.entrySet()) {
                String head = route.getKey() + " HTTP/1.1\r\nHost: x\r\n" + route.getValue() + "Content-Length: 100000\r\n\r\n";
                String answer = trickle(server.port(), head, 8_000);
                assertThat(answer).as(route.getKey()).startsWith("HTTP/1.1 408 ").contains("request body too slow")
                        .contains("at least 200 bytes/s expected after a grace of 1.0 s (limits min-upload-rate, header-timeout)");
            }
            assertThat(server.get("/api/v1/products/relay/keys").body()).isEqualTo("[]");
        }
    }

    /** Sends {@code head}, then one body byte per 100 ms until the server answers or closes (at most {@code maxMillis}); returns what it said. */
    static String trickle(int port, String head, long maxMillis) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            s.setSoTimeout(100);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            long start = System.nanoTime();
            while (got.size() == 0 && System.nanoTime() - start < maxMillis * 1_000_000L) {
                try {
                    out.write('{');
                    out.flush();
                } catch (SocketException e) {
                    break;
                }
                try {
                    int n = in.read();
                    if (n < 0) {
                        break;
                    }
                    got.write(n);
                } catch (java.net.SocketTimeoutException e) {
                    // nothing yet: trickle on
                }
            }
            if (got.size() > 0) {
                s.setSoTimeout(5_000);
                try {
                    in.transferTo(got);
                } catch (SocketException e) {
                    // reset after the answer: what came is what counts
                }
            }
            return got.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aCompleteRequestIsNotCutOffAndKeepAliveConnectionsSurviveChecks() throws Exception {
        try (TestServer server = server(Limits.DEFAULTS.with("header-timeout", "200ms"));
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5_000);
            for (int i = 0; i < 2; i++) {
                s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] buf = new byte[4096];
                int n = s.getInputStream().read(buf);
                assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
                Thread.sleep(600);   // idle between requests is not a slow header
            }
        }
    }

    @Test
    void perAddressLimitAnswers429WithRetryAfter() throws Exception {
        Limits limits = Limits.DEFAULTS.with("ip-rate", "60/min").with("ip-burst", "3").with("limit-loopback", "true");
        try (TestServer server = server(limits)) {
            for (int i = 0; i < 3; i++) {
                assertThat(server.get("/health").statusCode()).isEqualTo(200);
            }
            var r = server.get("/api/v1/products");
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After").orElseThrow()).isEqualTo("1");
            assertThat(r.body()).contains("too many requests from 127.0.0.1; retry after 1 s (limit ip-rate 60/min, burst 3)");
            RawHttp.Response nonos = RawHttp.exchange(server.port(), "GET /u/x/user1.bin?mac=DE:BA:7A:B1:E0:42 HTTP/1.0\r\n\r\n");
            assertThat(nonos.raw()).as("NONOS gets a closed connection, never a body").isEmpty();
        }
    }

    @Test
    void loopbackIsExemptUnlessAsked() {
        Limits limits = Limits.DEFAULTS.with("ip-rate", "1/min").with("ip-burst", "1");
        try (TestServer server = server(limits)) {
            for (int i = 0; i < 20; i++) {
                assertThat(server.get("/health").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void perDeviceLimitCountsCheckInsOfOneMac() throws Exception {
        Limits limits = Limits.DEFAULTS.with("device-rate", "2/min").with("device-burst", "2").with("ip-rate", "off")
                .with("limit-loopback", "true");
        try (TestServer server = server(limits)) {
            server.product("relay", "arduino-4m");
            String a = "GET /u/relay?mac=DE:BA:7A:B1:E0:0A&version=1 HTTP/1.0\r\n\r\n";
            assertThat(RawHttp.exchange(server.port(), a).status()).isEqualTo(304);
            assertThat(RawHttp.exchange(server.port(), a).status()).isEqualTo(304);
            RawHttp.Response limited = RawHttp.exchange(server.port(), a);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.header("Retry-After")).isEqualTo("30");
            assertThat(limited.header("X-Updraft-Reason")).isEqualTo("rate-limited: device DE:BA:7A:B1:E0:0A checks in too often; "
                    + "retry after 30 s (limit device-rate 2/min, burst 2)");
            assertThat(RawHttp.exchange(server.port(), "GET /u/relay?mac=DE:BA:7A:B1:E0:0B HTTP/1.0\r\n\r\n").status())
                    .as("another device has its own bucket").isEqualTo(304);
        }
    }

    @Test
    void limitsParseAndRefuseNonsense() {
        Limits l = Limits.DEFAULTS.with("max-image-bytes", "8388608").with("header-timeout", "2s").with("idle-timeout", "1m")
                .with("device-rate", "off");
        assertThat(l.maxImageBytes()).isEqualTo(8L << 20);
        assertThatThrownBy(() -> Limits.DEFAULTS.with("max-image-bytes", "33554432")).hasMessageContaining("the image parser refuses");
        assertThat(l.headerTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(l.idleTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(l.perDevice().on()).isFalse();
        assertThat(Limits.DEFAULTS.describe()).containsEntry("max-image-bytes", "16777216").containsEntry("max-header-bytes", "8192")
                .containsEntry("header-timeout", "10000ms").containsEntry("ip-rate", "3000/min").containsEntry("device-rate", "60/min");
        assertThatThrownBy(() -> Limits.DEFAULTS.with("max-image-bytes", "lots")).hasMessage(
                "max-image-bytes must be a non-negative whole number, got 'lots'");
        assertThatThrownBy(() -> Limits.DEFAULTS.with("header-timeout", "soon")).hasMessageContaining("like 10s, 500ms or 2m");
        assertThatThrownBy(() -> Limits.DEFAULTS.with("speed", "1")).hasMessageStartingWith("unknown limit 'speed'; expected one of max-image-bytes");
        assertThatThrownBy(() -> Limits.DEFAULTS.with("max-uri-bytes", "100000")).hasMessageContaining("max-uri-bytes must be within");
    }
}

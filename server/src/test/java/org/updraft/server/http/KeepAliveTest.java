package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.testsupport.Multipart;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.config.Limits;

/**
 * Persistent connections on a real socket (DeviceAnswers.keptOpen): the Range chunks of an ESP-IDF
 * {@code esp_https_ota} partial download share one connection when the client asks for it the way
 * {@code esp_http_client} does (HTTP/1.1, no {@code Connection} header); HTTP/1.0 and
 * {@code Connection: close} clients, every refusal, 304 and the NONOS user bins still close; a kept
 * connection obeys the idle timeout and the rate limits like a new one.
 */
class KeepAliveTest {

    static final byte[] IMAGE = ImageBuilder.esp32().appVersion("2.0.0").payload(31, 50_000).build();
    static final int LEN = IMAGE.length;
    static final String MAC = "24:0A:C4:00:00:0A";
    static final String TARGET = "/u/cam?mac=" + MAC + "&version=1.0.0";

    TestServer server;

    void start(Limits limits) {
        server = new TestServer(TestDatabase.EMBEDDED, c -> c.withLimits(limits));
        server.product("cam", "esp32-4m");
        server.uploadOk("cam", "2.0.0", Multipart.file("firmware", IMAGE));
    }

    void start() {
        start(Limits.DEFAULTS);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** What esp_http_client writes for a GET (User-Agent, Host, then the application's headers): no Connection header. */
    static String idf(String method, String target, String... headers) {
        StringBuilder r = new StringBuilder(method + " " + target + " HTTP/1.1\r\nUser-Agent: ESP32 HTTP Client/1.0\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            r.append(h).append("\r\n");
        }
        return r.append("\r\n").toString();
    }

    @Test
    void theRangeChunksOfAPartialDownloadShareOneConnection() throws Exception {
        start();
        int chunk = 16 * 1024;
        try (Connection c = new Connection(server.port())) {
            // esp_https_ota_begin with partial_http_download: HEAD for the length first.
            Answer head = c.exchange(idf("HEAD", TARGET), true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(LEN));
            assertThat(head.header("Connection")).isNull();
            assertThat(head.body()).isEmpty();
            // Then "bytes=N-(N+max-1)" while more than max bytes are left, "bytes=N-" for the rest.
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            int requests = 0;
            for (int first = 0; first < LEN; first += chunk) {
                String range = LEN - first > chunk ? "bytes=" + first + "-" + (first + chunk - 1) : "bytes=" + first + "-";
                Answer a = c.exchange(idf("GET", TARGET, "Range: " + range), false);
                requests++;
                int last = Math.min(first + chunk, LEN) - 1;
                assertThat(a.status()).as(range).isEqualTo(206);
                assertThat(a.header("Content-Range")).isEqualTo("bytes " + first + "-" + last + "/" + LEN);
                assertThat(a.header("Connection")).as("kept open").isNull();
                assertThat(a.body()).isEqualTo(Arrays.copyOfRange(IMAGE, first, last + 1));
                got.writeBytes(a.body());
            }
            assertThat(requests).isEqualTo(4);
            assertThat(got.toByteArray()).isEqualTo(IMAGE);
            // The connection is still usable: the whole image once more.
            Answer whole = c.exchange(idf("GET", TARGET), false);
            assertThat(whole.status()).isEqualTo(200);
            assertThat(whole.body()).isEqualTo(IMAGE);
            assertThat(whole.header("Connection")).isNull();
        }
    }

    @Test
    void anHttp11ClientThatSendsCloseStillGetsACloseAfterTheImage() throws Exception {
        start();
        try (Connection c = new Connection(server.port())) {
            Answer a = c.exchange(idf("GET", TARGET, "Range: bytes=0-1023", "Connection: close"), false);
            assertThat(a.status()).isEqualTo(206);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(a.body()).isEqualTo(Arrays.copyOfRange(IMAGE, 0, 1024));
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void anHttp10ClientStillGetsACloseAfterTheImage() throws Exception {
        start();
        try (Connection c = new Connection(server.port())) {
            Answer a = c.exchange("GET " + TARGET + " HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: ESP32-http-Update\r\n\r\n", false);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(a.body()).isEqualTo(IMAGE);
            assertThat(c.closedByServer()).isTrue();
        }
        // Even when it asks for keep-alive (HTTP/1.0 persistence): one image per connection, as before.
        try (Connection c = new Connection(server.port())) {
            Answer a = c.exchange("GET " + TARGET + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n", false);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void refusalsAnd304OnAKeptConnectionClose() throws Exception {
        start();
        // 304: the device runs the release.
        try (Connection c = new Connection(server.port())) {
            assertThat(c.exchange(idf("GET", TARGET, "Range: bytes=0-99"), false).status()).isEqualTo(206);
            Answer a = c.exchange(idf("GET", "/u/cam?mac=" + MAC + "&version=2.0.0"), false);
            assertThat(a.status()).isEqualTo(304);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        // 400: a malformed identity.
        try (Connection c = new Connection(server.port())) {
            assertThat(c.exchange(idf("GET", TARGET, "Range: bytes=0-99"), false).status()).isEqualTo(206);
            Answer a = c.exchange(idf("GET", "/u/cam?mac=not-a-mac&version=1.0.0"), false);
            assertThat(a.status()).isEqualTo(400);
            assertThat(a.header("X-Updraft-Reason")).startsWith("bad-request: ");
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        // 404: an unknown product.
        try (Connection c = new Connection(server.port())) {
            Answer a = c.exchange(idf("GET", "/u/other?mac=" + MAC + "&version=1.0.0"), false);
            assertThat(a.status()).isEqualTo(404);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
        // 416: a range past the end.
        try (Connection c = new Connection(server.port())) {
            Answer a = c.exchange(idf("GET", TARGET, "Range: bytes=" + LEN + "-"), false);
            assertThat(a.status()).isEqualTo(416);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aNonosUserBinClosesAfterItsImageWhateverTheRequestSays() throws Exception {
        byte[] user1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(11, 4_000).build();
        byte[] user2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(12, 4_000).build();
        start();
        server.product("wifi", "nonos-512k");
        server.uploadOk("wifi", "2", Multipart.file("user1", user1), Multipart.file("user2", user2));
        try (Connection c = new Connection(server.port())) {
            Answer a = c.exchange("GET /u/wifi/user2.bin?mac=5C:CF:7F:00:00:0A&version=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", false);
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.body()).isEqualTo(user2);
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void theDeviceRateLimitAppliesToEveryRequestOnAKeptConnectionAndItsRefusalCloses() throws Exception {
        start(Limits.DEFAULTS.with("device-rate", "2/min").with("device-burst", "2").with("ip-rate", "off")
                .with("limit-loopback", "true"));
        try (Connection c = new Connection(server.port())) {
            // Two downloads from byte 0 spend the burst; continuations of the second are exempt.
            for (int i = 0; i < 2; i++) {
                assertThat(c.exchange(idf("GET", TARGET, "Range: bytes=0-1023"), false).status()).isEqualTo(206);
            }
            assertThat(c.exchange(idf("GET", TARGET, "Range: bytes=1024-2047"), false).status()).isEqualTo(206);
            Answer refused = c.exchange(idf("GET", TARGET, "Range: bytes=0-1023"), false);
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(refused.header("X-Updraft-Reason")).startsWith("rate-limited: device " + MAC);
            assertThat(refused.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void thePerAddressRateLimitAppliesToEveryRequestOnAKeptConnectionAndItsRefusalCloses() throws Exception {
        // The burst also pays for the set-up's management requests from the same address, so the
        // chunks run until the bucket is empty: every one before the refusal is answered, and the
        // refusal comes on the same connection, then closes it.
        start(Limits.DEFAULTS.with("ip-rate", "2/min").with("ip-burst", "12").with("limit-loopback", "true"));
        try (Connection c = new Connection(server.port())) {
            int answered = 0;
            Answer a = null;
            for (int first = 0; first < 12 * 1024; first += 1024) {
                a = c.exchange(idf("GET", TARGET, "Range: bytes=" + first + "-" + (first + 1023)), false);
                if (a.status() != 206) {
                    break;
                }
                assertThat(a.body()).isEqualTo(Arrays.copyOfRange(IMAGE, first, first + 1024));
                answered++;
            }
            assertThat(answered).as("chunks answered before the bucket ran out").isBetween(1, 11);
            assertThat(a.status()).isEqualTo(429);
            assertThat(a.header("X-Updraft-Reason")).startsWith("rate-limited: too many requests from ");
            assertThat(a.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aKeptConnectionLeftIdleIsClosedAtTheIdleTimeout() throws Exception {
        start(Limits.DEFAULTS.with("idle-timeout", "500ms"));
        try (Connection c = new Connection(server.port())) {
            assertThat(c.exchange(idf("GET", TARGET, "Range: bytes=0-1023"), false).status()).isEqualTo(206);
            long t0 = System.nanoTime();
            assertThat(c.closedByServer()).as("closed within the read timeout of 10 s").isTrue();
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(millis).as("closed after about the idle timeout").isBetween(300L, 8_000L);
        }
    }

    /** One answer read off a kept connection: framed by its Content-Length, never by the close. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * One client socket that sends request after request and reads each answer by its Content-Length:
     * every exchange on it that succeeds was answered on the same TCP connection.
     */
    static final class Connection implements AutoCloseable {
        private final Socket socket = new Socket();
        private final InputStream in;

        Connection(int port) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
        }

        Answer exchange(String request, boolean head) throws IOException {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            ByteArrayOutputStream h = new ByteArrayOutputStream();
            int last4 = 0;
            while (last4 != 0x0D0A0D0A) { // "\r\n\r\n"
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the server closed the connection before the end of an answer head: '"
                            + h.toString(StandardCharsets.ISO_8859_1) + "'");
                }
                h.write(b);
                last4 = last4 << 8 | b;
            }
            String[] lines = h.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            String length = headers.get("content-length");
            byte[] body = head || length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
            if (length != null && !head && body.length != Integer.parseInt(length)) {
                throw new IOException("the server closed the connection after " + body.length + " of " + length + " body bytes");
            }
            return new Answer(status, headers, body);
        }

        /** True when the server closes (end of stream or reset) with no byte more, within the 10 s read timeout. */
        boolean closedByServer() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketException reset) {
                return true;
            } catch (SocketTimeoutException stillOpen) {
                return false;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void aRequestAfterACloseIsNotAnswered() throws Exception {
        start();
        try (Connection c = new Connection(server.port())) {
            c.exchange(idf("GET", TARGET, "Range: bytes=0-9", "Connection: close"), false);
            assertThat(c.closedByServer()).isTrue();
            assertThatThrownBy(() -> c.exchange(idf("GET", TARGET, "Range: bytes=10-19"), false)).isInstanceOf(IOException.class);
        }
    }
}

package org.updraft.cli.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;

/**
 * SIGTERM to a real server process (docs/production.md, "Graceful shutdown"): a firmware
 * download in flight completes byte-exact, and every check-in answered before the signal is in
 * the database afterwards (the batched writer is flushed before the pool closes).
 */
class GracefulShutdownTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(1, 4_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(2, 900_000).build();

    @TempDir
    Path dir;

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    @Test
    void aDownloadInFlightCompletesAndAnsweredCheckInsAreWrittenWhenTheServerIsTerminated() throws Exception {
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        ServerProcess server = ServerProcess.start(data, null, log, 120);
        try {
            Api api = new Api(server.uri(), server.bootstrapToken());
            assertThat(api.post("/api/v1/products", Map.of("name", "relay", "layout", "arduino-4m")).status()).isEqualTo(201);
            assertThat(api.upload("relay", "1.0.0", false, V1).status()).isEqualTo(201);
            assertThat(api.upload("relay", "2.0.0", false, V2).status()).isEqualTo(201);

            // Devices that are up to date: each check-in answered 304 before the signal.
            List<String> answered = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String mac = String.format("DE:BA:7A:00:10:%02X", i);
                assertThat(api.checkIn("relay", mac, V2.length, md5(V2), "2.0.0").status()).isEqualTo(304);
                answered.add(mac);
            }

            // One device on 1.0.0 has its update's headers and first bytes when the signal comes.
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            try (Socket device = new Socket()) {
                device.setReceiveBufferSize(4096);
                device.connect(new InetSocketAddress(server.uri().getHost(), server.uri().getPort()), 5_000);
                device.setSoTimeout(30_000);
                device.getOutputStream().write(checkIn(server.uri().getPort(), "DE:BA:7A:00:20:01", V1).getBytes(StandardCharsets.US_ASCII));
                InputStream in = device.getInputStream();
                byte[] buf = new byte[1024];
                while (received.size() < 8192) {
                    received.write(buf, 0, in.read(buf));
                }

                server.terminate();
                in.transferTo(received); // reads on while the server drains
            }
            byte[] raw = received.toByteArray();
            int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = new String(raw, 0, end, StandardCharsets.ISO_8859_1);
            byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("x-MD5: " + md5(V2))
                    .containsIgnoringCase("Content-Length: " + V2.length);
            assertThat(body).isEqualTo(V2);

            // The JVM's exit status after SIGTERM, once the shutdown hook (the graceful stop) has run.
            assertThat(server.exitCode(60)).isEqualTo(143);
            String output = Files.readString(log);
            assertThat(output).contains("Stopping: /ready answers 503, no new connections; 1 request(s) in flight get up to 30.0 s")
                    .contains("Stopping: every request in flight finished")
                    .contains("Stopped: answered check-ins and update reports written, database pool closed");

            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("updraft.db"));
                 ResultSet rs = c.createStatement().executeQuery("SELECT mac FROM device ORDER BY mac")) {
                List<String> stored = new ArrayList<>();
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
                assertThat(stored).containsAll(answered).contains("DE:BA:7A:00:20:01");
            }
        } finally {
            server.close();
        }
    }

    static String checkIn(int port, String mac, byte[] running) throws Exception {
        return "GET /u/relay HTTP/1.0\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: ESP8266-http-Update\r\nConnection: close\r\n"
                + "x-ESP8266-Chip-ID: 15602487\r\nx-ESP8266-STA-MAC: " + mac + "\r\nx-ESP8266-AP-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 2000000\r\nx-ESP8266-sketch-size: " + running.length + "\r\n"
                + "x-ESP8266-sketch-md5: " + md5(running) + "\r\nx-ESP8266-chip-size: 4194304\r\n"
                + "x-ESP8266-sdk-version: 2.5.0\r\nx-ESP8266-mode: sketch\r\nContent-Length: 0\r\n\r\n";
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

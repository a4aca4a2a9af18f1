package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;

/**
 * Plays Arduino-ESP32 HTTPUpdate (reference/device-protocols.md §1, "ESP32 HTTPUpdate"): UA
 * ESP32-http-Update, Cache-Control: no-cache, x-ESP32-* headers, sketch-sha256 in UPPER case,
 * no Chip-ID.
 */
class Esp32HttpUpdateTest {

    static final byte[] V1 = ImageBuilder.esp32().appVersion("1.0.0").projectName("meter").payload(21, 40_000).build();
    static final byte[] V2 = ImageBuilder.esp32().appVersion("1.1.0").projectName("meter").payload(22, 40_000).build();
    static final String MAC = "24:0A:C4:12:34:56";

    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
        server.product("meter", "esp32-4m");
        server.uploadOk("meter", "1.0.0", Multipart.file("firmware", V1));
        server.uploadOk("meter", "1.1.0", Multipart.file("firmware", V2));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The SHA-256 IDF reports for a running image: the digest appended to it. */
    static String runningSha256(byte[] image) {
        return HexFormat.of().formatHex(Arrays.copyOfRange(image, image.length - 32, image.length)).toUpperCase(Locale.ROOT);
    }

    static String request(int port, String sha256Upper, String family) {
        String p = "x-" + family + "-";
        return "GET /u/meter HTTP/1.0\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "User-Agent: ESP32-http-Update\r\n"
                + "Connection: close\r\n"
                + "Cache-Control: no-cache\r\n"
                + p + "STA-MAC: " + MAC + "\r\n"
                + p + "AP-MAC: 24:0A:C4:12:34:57\r\n"
                + p + "free-space: 1310720\r\n"
                + p + "sketch-size: " + V1.length + "\r\n"
                + p + "sketch-sha256: " + sha256Upper + "\r\n"
                + p + "chip-size: 4194304\r\n"
                + p + "sdk-version: v4.4.5\r\n"
                + p + "mode: sketch\r\n"
                + "Content-Length: 0\r\n"
                + "\r\n";
    }

    @Test
    void deviceOnV1GetsV2() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), request(server.port(), runningSha256(V1), "ESP32"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(V2);
        assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(V2.length));
        assertThat(r.header("x-MD5")).isEqualTo(Digests.md5Hex(V2));
        assertThat(r.body()[0]).isEqualTo((byte) 0xE9);
    }

    @Test
    void deviceOnV2Gets304() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), request(server.port(), runningSha256(V2), "ESP32"));

        assertThat(r.status()).isEqualTo(304);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("up-to-date: runs 1.1.0");
    }

    @Test
    void anEsp8266CheckingInAtAnEsp32ProductIsRefusedAsWrongChip() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(),
                request(server.port(), runningSha256(V1), "ESP8266").replace("sketch-sha256: " + runningSha256(V1),
                        "sketch-md5: " + Digests.md5Hex(V1)));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("wrong-chip: an ESP8266 device checked in at ESP32 product 'meter'");
    }

    @Test
    void imageLargerThanFreeSpaceIs409() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), request(server.port(), runningSha256(V1), "ESP32")
                .replace("free-space: 1310720", "free-space: 1000"));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("insufficient-space: image is " + V2.length
                + " bytes; device has 1000 bytes free");
    }

    @Test
    void flashChipSmallerThanTheProductIs409() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), request(server.port(), runningSha256(V1), "ESP32")
                .replace("chip-size: 4194304", "chip-size: 2097152"));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.header("X-Updraft-Reason")).startsWith("chip-too-small: device flash is 2097152 bytes");
    }

    @Test
    void unknownProductIs404() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), request(server.port(), runningSha256(V1), "ESP32")
                .replace("GET /u/meter ", "GET /u/other "));

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("unknown-product: no product at /u/other");
    }

    @Test
    void espIdfClientIdentifiedByQueryGetsTheImage() throws Exception {
        String req = "GET /u/meter?mac=24:0a:c4:00:00:09&version=1.0.0 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ESP32 HTTP Client/1.0\r\n\r\n";
        RawHttp.Response r = RawHttp.exchange(server.port(), req);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(V2);
    }
}

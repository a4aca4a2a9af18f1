package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;

/**
 * Plays the stock ESP8266httpUpdate client byte for byte (reference/device-protocols.md §1:
 * HTTP/1.0, Connection: close, the full x-ESP8266-* header set) over a raw socket.
 */
class Esp8266HttpUpdateTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(1, 20_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(2, 24_000).build();
    static final String MAC = "DE:BA:7A:B1:E0:42";

    TestServer server;

    @BeforeEach
    void start() {
        server = new TestServer();
        server.product("relay", "arduino-4m");
        server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
        server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** The exact request ESP8266httpUpdate 3.x sends (captured from the stock client). */
    static String request(int port, String path, String md5, long freeSpace, long chipSize, String version) {
        return "GET " + path + " HTTP/1.0\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "User-Agent: ESP8266-http-Update\r\n"
                + "Connection: close\r\n"
                + "x-ESP8266-Chip-ID: 15602487\r\n"
                + "x-ESP8266-STA-MAC: " + MAC + "\r\n"
                + "x-ESP8266-AP-MAC: " + MAC + "\r\n"
                + "x-ESP8266-free-space: " + freeSpace + "\r\n"
                + "x-ESP8266-sketch-size: " + V1.length + "\r\n"
                + "x-ESP8266-sketch-md5: " + md5 + "\r\n"
                + "x-ESP8266-chip-size: " + chipSize + "\r\n"
                + "x-ESP8266-sdk-version: 2.5.0\r\n"
                + "x-ESP8266-mode: sketch\r\n"
                + (version == null ? "" : "x-ESP8266-version: " + version + "\r\n")
                + "Content-Length: 0\r\n"
                + "\r\n";
    }

    @Test
    void deviceOnOldImageGetsTheNewImageWithExactLengthAndMd5() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", Digests.md5Hex(V1), 1_000_000, 4_194_304, null));

        assertThat(r.statusLine()).startsWith("HTTP/1.").contains(" 200");
        assertThat(r.body()).isEqualTo(V2);
        assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(V2.length));
        assertThat(r.header("x-MD5")).isEqualTo(Digests.md5Hex(V2)).matches("[0-9a-f]{32}");
        assertThat(r.header("X-SHA256")).isEqualTo(Digests.sha256Hex(V2));
        assertThat(r.header("ETag")).isEqualTo("\"" + Digests.sha256Hex(V2) + "\"");
        assertThat(r.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(r.header("Transfer-Encoding")).isNull();
        assertThat(r.header("Content-Encoding")).isNull();
        assertThat(r.header("X-Updraft-Version")).isEqualTo("2.0.0");
    }

    @Test
    void deviceOnCurrentImageGets304WithNoBody() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", Digests.md5Hex(V2), 1_000_000, 4_194_304, null));

        assertThat(r.status()).isEqualTo(304);
        assertThat(r.body()).isEmpty();
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("up-to-date: runs 2.0.0");
    }

    @Test
    void versionHeaderIdentifiesTheRunningImageWhenTheHashIsUnknown() throws Exception {
        String unknownMd5 = "0123456789abcdef0123456789abcdef";
        RawHttp.Response current = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", unknownMd5, 1_000_000, 4_194_304, "2.0.0"));
        assertThat(current.status()).isEqualTo(304);

        RawHttp.Response old = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", unknownMd5, 1_000_000, 4_194_304, "1.0.0"));
        assertThat(old.status()).isEqualTo(200);
        assertThat(old.body()).isEqualTo(V2);
    }

    @Test
    void unknownProductIs404WithReason() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(),
                request(server.port(), "/u/nosuch", Digests.md5Hex(V1), 1_000_000, 4_194_304, null));

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("unknown-product: no product at /u/nosuch");
        assertThat(r.header("Content-Length")).isEqualTo("0");
    }

    @Test
    void imageLargerThanFreeSpaceIs409() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", Digests.md5Hex(V1), V2.length - 1, 4_194_304, null));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("insufficient-space: image is " + V2.length
                + " bytes; device has " + (V2.length - 1) + " bytes free");
        assertThat(r.body()).isEmpty();
    }

    @Test
    void flashChipSmallerThanTheProductIs409() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", Digests.md5Hex(V1), 1_000_000, 1_048_576, null));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo(
                "chip-too-small: device flash is 1048576 bytes; product 'relay' images need 4194304");
    }

    @Test
    void malformedMacIs400NamingTheHeader() throws Exception {
        String req = request(server.port(), "/u/relay", Digests.md5Hex(V1), 1_000_000, 4_194_304, null)
                .replace("x-ESP8266-STA-MAC: " + MAC, "x-ESP8266-STA-MAC: not-a-mac");
        RawHttp.Response r = RawHttp.exchange(server.port(), req);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("bad-request: bad x-ESP8266-STA-MAC header: 'not-a-mac' is not a "
                + "MAC address; expected six hex pairs like DE:BA:7A:B1:E0:42");
    }

    @Test
    void headAnswersTheSameHeadersWithoutBody() throws Exception {
        String req = request(server.port(), "/u/relay", Digests.md5Hex(V1), 1_000_000, 4_194_304, null).replace("GET ", "HEAD ");
        RawHttp.Response r = RawHttp.exchange(server.port(), req);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(V2.length));
        assertThat(r.header("x-MD5")).isEqualTo(Digests.md5Hex(V2));
        assertThat(r.body()).isEmpty();
    }

    @Test
    void theDeviceRegistersWithWhatItReportedAndItsTimelineKeepsEveryDecision() throws Exception {
        RawHttp.exchange(server.port(), request(server.port(), "/u/relay", Digests.md5Hex(V1), 1_000_000, 4_194_304, null));
        RawHttp.exchange(server.port(), request(server.port(), "/u/relay", Digests.md5Hex(V2), 1_000_000, 4_194_304, null));

        var device = server.get("/api/v1/devices/" + MAC);
        assertThat(device.statusCode()).isEqualTo(200);
        var json = Json.MAPPER.readTree(device.body());
        assertThat(json.get("mac").asText()).isEqualTo(MAC);
        assertThat(json.get("product").asText()).isEqualTo("relay");
        assertThat(json.get("chipId").asText()).isEqualTo("15602487");
        assertThat(json.get("chipSize").asLong()).isEqualTo(4_194_304);
        assertThat(json.get("freeSpace").asLong()).isEqualTo(1_000_000);
        assertThat(json.get("sdkVersion").asText()).isEqualTo("2.5.0");
        assertThat(json.get("runningVersion").asText()).isEqualTo("2.0.0");
        assertThat(json.get("runningMd5").asText()).isEqualTo(Digests.md5Hex(V2));
        assertThat(json.get("address").asText()).isEqualTo("127.0.0.1");
        assertThat(json.get("lastOutcome").asText()).isEqualTo("up-to-date");
        var timeline = json.get("timeline");
        assertThat(timeline).hasSize(2);
        assertThat(timeline.get(0).get("outcome").asText()).isEqualTo("up-to-date");
        assertThat(timeline.get(1).get("outcome").asText()).isEqualTo("update");
        assertThat(timeline.get(1).get("status").asInt()).isEqualTo(200);
        assertThat(timeline.get(1).get("runningVersion").asText()).isEqualTo("1.0.0");
        assertThat(timeline.get(1).get("targetVersion").asText()).isEqualTo("2.0.0");
        assertThat(timeline.get(1).get("reason").asText()).isEqualTo("1.0.0 -> 2.0.0");

        String metrics = server.get("/metrics").body();
        assertThat(metrics).contains("updraft_checkins_total{outcome=\"update\"} 1.0")
                .contains("updraft_checkins_total{outcome=\"up-to-date\"} 1.0")
                .contains("updraft_bytes_served_total " + (double) V2.length)
                .contains("updraft_downloads_in_flight 0.0");
    }

    @Test
    void aPinnedDeviceStaysOnItsRelease() throws Exception {
        RawHttp.exchange(server.port(), request(server.port(), "/u/relay", Digests.md5Hex(V1), 1_000_000, 4_194_304, null));
        var pinned = server.send("PUT", "/api/v1/devices/" + MAC + "/pin", "{\"version\":\"1.0.0\"}");
        assertThat(pinned.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(pinned.body()).get("pinnedVersion").asText()).isEqualTo("1.0.0");

        RawHttp.Response r = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", Digests.md5Hex(V1), 1_000_000, 4_194_304, null));
        assertThat(r.status()).isEqualTo(304);

        // Pinned back to an older release than it runs: it is offered (a pin is explicit).
        RawHttp.Response onV2 = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", Digests.md5Hex(V2), 1_000_000, 4_194_304, null));
        assertThat(onV2.status()).isEqualTo(200);
        assertThat(onV2.body()).isEqualTo(V1);

        assertThat(server.send("DELETE", "/api/v1/devices/" + MAC + "/pin", null).statusCode()).isEqualTo(200);
        RawHttp.Response unpinned = RawHttp.exchange(server.port(),
                request(server.port(), "/u/relay", Digests.md5Hex(V1), 1_000_000, 4_194_304, null));
        assertThat(unpinned.body()).isEqualTo(V2);
    }

    @Test
    void aProductUpdatePathAnswersLikeTheCanonicalPath() throws Exception {
        var created = server.send("POST", "/api/v1/products",
                "{\"name\":\"legacy\",\"layout\":\"arduino-4m\",\"updatePath\":\"/esp/update.php\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        server.uploadOk("legacy", "3", Multipart.file("firmware", V2));

        RawHttp.Response r = RawHttp.exchange(server.port(),
                request(server.port(), "/esp/update.php", Digests.md5Hex(V1), 1_000_000, 4_194_304, null));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(V2);
        assertThat(new String(r.raw(), 0, 12, StandardCharsets.US_ASCII)).startsWith("HTTP/1.");
        assertThat(HexFormat.of().formatHex(new byte[] {r.body()[0]})).isEqualTo("e9");
    }
}

package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;
import org.updraft.testsupport.FilesystemImages;
import org.updraft.testsupport.Multipart;

/**
 * File system requests as the stock clients send them (docs/device-contract.md, "Filesystem
 * requests"): ESPhttpUpdate.updateFS ({@code x-ESP8266-mode: spiffs}) and httpUpdate.updateSpiffs
 * ({@code x-ESP32-mode: spiffs}) get the target release's file system image with the app's
 * headers, until the device confirmed it by a sketch check-in; then 304 {@code filesystem-current}.
 */
class FilesystemRequestTest {

    static final byte[] V1 = ImageBuilder.arduino().flashSizeCode(2).version("1.0.0").payload(31, 20_000).build();
    static final byte[] V2 = ImageBuilder.arduino().flashSizeCode(2).version("2.0.0").payload(32, 22_000).build();
    static final byte[] FS1 = FilesystemImages.littlefs(0x10000, 4096, 1);
    static final byte[] FS2 = FilesystemImages.spiffs(0x10000, 4096, 2);
    static final String MAC = "DE:BA:7A:F5:00:01";

    TestServer server;

    @BeforeEach
    void start() {
        server = new TestServer();
        server.product("lamp", "arduino-1m");
        server.uploadOk("lamp", "1.0.0", Multipart.file("firmware", V1), Multipart.file("filesystem", FS1));
        server.uploadOk("lamp", "2.0.0", Multipart.file("firmware", V2), Multipart.file("filesystem", FS2));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** ESP8266httpUpdate's request; {@code mode} "spiffs" for updateFS, "sketch" for update. */
    static String request(int port, String mac, byte[] running, String mode, String extra) {
        return "GET /u/lamp HTTP/1.0\r\n"
                + "Host: 127.0.0.1:" + port + "\r\n"
                + "User-Agent: ESP8266-http-Update\r\n"
                + "Connection: close\r\n"
                + "x-ESP8266-Chip-ID: 15602487\r\n"
                + "x-ESP8266-STA-MAC: " + mac + "\r\n"
                + "x-ESP8266-AP-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 700000\r\n"
                + "x-ESP8266-sketch-size: " + running.length + "\r\n"
                + "x-ESP8266-sketch-md5: " + Digests.md5Hex(running) + "\r\n"
                + "x-ESP8266-chip-size: 1048576\r\n"
                + "x-ESP8266-sdk-version: 2.2.2-dev(38a443e)\r\n"
                + "x-ESP8266-mode: " + mode + "\r\n"
                + extra
                + "Content-Length: 0\r\n"
                + "\r\n";
    }

    private RawHttp.Response ask(String mac, byte[] running, String mode) throws Exception {
        return RawHttp.exchange(server.port(), request(server.port(), mac, running, mode, ""));
    }

    @Test
    void aDeviceOnTheOldReleaseGetsTheNewFileSystemWithTheAppHeaders() throws Exception {
        RawHttp.Response r = ask(MAC, V1, "spiffs");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(FS2);
        assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(FS2.length));
        assertThat(r.header("x-MD5")).isEqualTo(Digests.md5Hex(FS2));
        assertThat(r.header("X-SHA256")).isEqualTo(Digests.sha256Hex(FS2));
        assertThat(r.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(r.header("X-Updraft-Version")).isEqualTo("2.0.0");
    }

    @Test
    void theFileSystemIsSentUntilASketchCheckInConfirmsItThen304() throws Exception {
        assertThat(ask(MAC, V1, "spiffs").body()).isEqualTo(FS2);
        // updateFS failed its MD5 check, say: the sketch asks again and gets it again
        assertThat(ask(MAC, V1, "spiffs").body()).isEqualTo(FS2);
        // updateFS returned OK, so the stock sketch goes on to update(): that confirms the file system
        assertThat(ask(MAC, V1, "sketch").body()).isEqualTo(V2);

        RawHttp.Response after = ask(MAC, V2, "spiffs");
        assertThat(after.status()).isEqualTo(304);
        assertThat(after.body()).isEmpty();
        assertThat(after.header("X-Updraft-Reason")).isEqualTo("filesystem-current: has the filesystem of release 2.0.0");

        server.restart();
        assertThat(ask(MAC, V2, "spiffs").header("X-Updraft-Reason"))
                .isEqualTo("filesystem-current: has the filesystem of release 2.0.0");
    }

    @Test
    void aBrokenTransferDoesNotCountAsSent() throws Exception {
        // Only the first half: a Range request for part of the image is not the whole image.
        RawHttp.Response part = RawHttp.exchange(server.port(),
                request(server.port(), MAC, V1, "spiffs", "Range: bytes=0-32767\r\n"));
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOf(FS2, 32768));
        assertThat(ask(MAC, V2, "sketch").status()).isEqualTo(304);

        assertThat(ask(MAC, V2, "spiffs").body()).isEqualTo(FS2);
    }

    @Test
    void aDeviceUpToDateOnItsAppStillGetsTheFileSystemItNeverConfirmed() throws Exception {
        assertThat(ask(MAC, V2, "sketch").status()).isEqualTo(304);

        RawHttp.Response r = ask(MAC, V2, "spiffs");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(FS2);
    }

    @Test
    void aReleaseWithoutFileSystemAnswers304NoFilesystem() throws Exception {
        server.uploadOk("lamp", "3.0.0", Multipart.file("firmware",
                ImageBuilder.arduino().flashSizeCode(2).version("3.0.0").payload(33, 22_000).build()));

        RawHttp.Response r = ask(MAC, V2, "spiffs");
        assertThat(r.status()).isEqualTo(304);
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("no-filesystem: release 3.0.0 carries no filesystem image");
    }

    @Test
    void anotherModeIsStillNotServed() throws Exception {
        RawHttp.Response r = ask(MAC, V1, "eeprom");
        assertThat(r.status()).isEqualTo(304);
        assertThat(r.header("X-Updraft-Reason"))
                .isEqualTo("mode-not-served: mode 'eeprom' asked for; Updraft serves sketch and spiffs (file system) images");
    }

    @Test
    void esp32UpdateSpiffsGetsTheSpiffsPartitionImage() throws Exception {
        byte[] app1 = ImageBuilder.esp32().appVersion("1.0.0").projectName("meter").payload(41, 30_000).build();
        byte[] fs = FilesystemImages.littlefs(0x160000, 4096, 7);
        server.product("meter", "esp32-4m");
        server.uploadOk("meter", "1.0.0", Multipart.file("firmware", app1), Multipart.file("filesystem", fs));
        String sha = HexFormat.of().formatHex(app1, app1.length - 32, app1.length).toUpperCase(Locale.ROOT);
        String request = "GET /u/meter HTTP/1.0\r\n"
                + "Host: 127.0.0.1:" + server.port() + "\r\n"
                + "User-Agent: ESP32-http-Update\r\n"
                + "Connection: close\r\n"
                + "Cache-Control: no-cache\r\n"
                + "x-ESP32-STA-MAC: 24:0A:C4:F5:00:02\r\n"
                + "x-ESP32-AP-MAC: 24:0A:C4:F5:00:03\r\n"
                + "x-ESP32-free-space: 1310720\r\n"
                + "x-ESP32-sketch-size: " + app1.length + "\r\n"
                + "x-ESP32-sketch-md5: " + Digests.md5Hex(app1) + "\r\n"
                + "x-ESP32-sketch-sha256: " + sha + "\r\n"
                + "x-ESP32-chip-size: 4194304\r\n"
                + "x-ESP32-sdk-version: v4.4.5\r\n"
                + "x-ESP32-mode: spiffs\r\n"
                + "Content-Length: 0\r\n"
                + "\r\n";

        RawHttp.Response r = RawHttp.exchange(server.port(), request);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(fs);
        assertThat(r.header("x-MD5")).isEqualTo(Digests.md5Hex(fs));
    }
}

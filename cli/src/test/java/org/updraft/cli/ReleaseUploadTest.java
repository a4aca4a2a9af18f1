package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;

/** {@code updraft release upload}: local validation first, then the streamed upload and the summary. */
class ReleaseUploadTest {

    @TempDir
    Path dir;

    private static final String RELEASE = """
            {"product":"relay","version":"1.0.0","notes":"first","downgrade":true,"createdAt":"2026-11-27T01:43:12Z",\
            "artifacts":[{"role":"firmware","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",\
            "md5":"098f6bcd4621d373cade4e832627b4f6","size":4711,"format":"arduino","chip":"esp8266","appVersion":null}]}""";

    @Test
    void uploadsAValidImageAndPrintsTheSummary() throws IOException {
        byte[] image = ImageBuilder.arduino().version("1.0.0").payload(1, 20_000).build();
        Path fw = Files.write(dir.resolve("fw.bin"), image);
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/relay/releases", 201, RELEASE)) {
            Run run = Run.of("release", "upload", "relay", "1.0.0", "--firmware", fw.toString(), "--notes", "first",
                    "--downgrade", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    Released relay 1.0.0 (downgrade allowed)
                    Notes: first
                    ROLE      SIZE  SHA256                                                            MD5
                    firmware  4711  9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  098f6bcd4621d373cade4e832627b4f6
                    """);
            StubServer.Request request = stub.only();
            String boundary = request.header("Content-Type").substring("multipart/form-data; boundary=".length());
            assertThat(boundary).matches("updraft-[0-9a-f]{32}");
            byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n1.0.0\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"notes\"\r\n\r\nfirst\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"downgrade\"\r\n\r\ntrue\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"firmware\"; filename=\"fw.bin\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(head);
            expected.writeBytes(image);
            expected.writeBytes(tail);
            assertThat(request.body()).isEqualTo(expected.toByteArray());
            assertThat(run.err()).isEqualTo(String.format("Uploaded %,d bytes.%n", expected.size()));
        }
    }

    @Test
    void nonosPairGoesAsUser1ThenUser2() throws IOException {
        Path user1 = Files.write(dir.resolve("user1.512.new.bin"), ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).build());
        Path user2 = Files.write(dir.resolve("user2.512.new.bin"), ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).build());
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/lamp/releases", 201, RELEASE)) {
            Run run = Run.of("release", "upload", "lamp", "2", "--user2", user2.toString(), "--user1", user1.toString(),
                    "--server", stub.url(), "--json");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo(RELEASE + "\n");
            String body = new String(stub.only().body(), StandardCharsets.ISO_8859_1);
            assertThat(body).contains("name=\"version\"\r\n\r\n2\r\n");
            assertThat(body.indexOf("name=\"user1\"; filename=\"user1.512.new.bin\""))
                    .isPositive()
                    .isLessThan(body.indexOf("name=\"user2\"; filename=\"user2.512.new.bin\""));
        }
    }

    @Test
    void aFileSystemImageGoesAfterTheFirmwareInThePartFilesystem() throws IOException {
        Path fw = Files.write(dir.resolve("lamp.ino.bin"), ImageBuilder.arduino().flashSizeCode(2).version("2.0.0").build());
        byte[] fsImage = org.updraft.testsupport.FilesystemImages.littlefs(0x10000, 4096, 3);
        Path fs = Files.write(dir.resolve("lamp.littlefs.bin"), fsImage);
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/lamp/releases", 201, RELEASE)) {
            Run run = Run.of("release", "upload", "lamp", "2.0.0", "--filesystem", fs.toString(), "--firmware", fw.toString(),
                    "--server", stub.url(), "--json");
            assertThat(run.exit()).as(run.toString()).isZero();
            byte[] body = stub.only().body();
            String text = new String(body, StandardCharsets.ISO_8859_1);
            int fsPart = text.indexOf("name=\"filesystem\"; filename=\"lamp.littlefs.bin\"");
            assertThat(text.indexOf("name=\"firmware\"; filename=\"lamp.ino.bin\"")).isPositive().isLessThan(fsPart);
            int start = text.indexOf("\r\n\r\n", fsPart) + 4;
            assertThat(java.util.Arrays.copyOfRange(body, start, start + fsImage.length)).isEqualTo(fsImage);
        }
    }

    @Test
    void aServerRefusalIsShownAsItsError() throws IOException {
        Path fw = Files.write(dir.resolve("fw.bin"), ImageBuilder.esp32().appVersion("1.0.0").build());
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/relay/releases", 422,
                "{\"error\":\"firmware is an ESP32 image but product relay is for esp8266\",\"status\":422}")) {
            Run run = Run.of("release", "upload", "relay", "1.0.0", "--firmware", fw.toString(), "--server", stub.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEqualTo("error: firmware is an ESP32 image but product relay is for esp8266\n");
        }
    }

    @Test
    void anInvalidImageIsRefusedLocallyAndNothingIsSent() throws IOException {
        Path html = Files.writeString(dir.resolve("fw.bin"), InspectCommandTest.DIRECTORY_LISTING);
        try (StubServer stub = new StubServer()) {
            Run run = Run.of("release", "upload", "relay", "1.0.0", "--firmware", html.toString(), "--server", stub.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEqualTo("error: " + html + " (--firmware) is not a valid image: not a firmware image:"
                    + " starts with '<!DOCTYPE html>' (looks like an HTML directory listing); an ESP image starts with byte 0xE9"
                    + " (or 0xEA for NONOS user1/user2, 0x1F 0x8B for gzip); nothing was uploaded\n");
            assertThat(stub.requests).isEmpty();
        }
    }

    @Test
    void aMissingFileIsRefusedLocally() throws IOException {
        try (StubServer stub = new StubServer()) {
            Path missing = dir.resolve("user2.bin");
            Run run = Run.of("release", "upload", "relay", "1.0.0", "--user1", missing.toString(), "--user2", missing.toString(),
                    "--server", stub.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("error: " + missing + " (--user1): no such file; nothing was uploaded\n");
            assertThat(stub.requests).isEmpty();
        }
    }
}

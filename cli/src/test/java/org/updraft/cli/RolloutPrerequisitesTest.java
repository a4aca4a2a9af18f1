package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;

/** What a rollout needs from other commands: {@code product create --health-window}, {@code release upload --hold}. */
class RolloutPrerequisitesTest {

    @TempDir
    Path dir;

    private static final String PRODUCT = """
            {"name":"relay","chip":"esp8266","kind":"arduino","layout":"arduino-4m","flashSize":4194304,\
            "slotSize":1028096,"updatePath":null,"healthWindowSeconds":330,"createdAt":"2026-11-27T01:43:12Z"}""";

    private static final String HELD_RELEASE = """
            {"product":"relay","version":"2.0.0","notes":null,"downgrade":false,"held":true,"createdAt":"2026-11-27T01:43:12Z",\
            "artifacts":[{"role":"firmware","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",\
            "md5":"098f6bcd4621d373cade4e832627b4f6","size":4711,"format":"arduino","chip":"esp8266","appVersion":null}]}""";

    @Test
    void productCreateSendsTheHealthWindowInSecondsAndShowsIt() throws IOException {
        try (StubServer stub = new StubServer().answer("POST /api/v1/products", 201, PRODUCT)) {
            Run run = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--health-window", "330s",
                    "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    Created product relay
                      chip           esp8266
                      kind           arduino
                      layout         arduino-4m
                      flash size     4 MiB
                      slot size      1004 KiB
                      update path    -
                      health window  5m 30s
                      created        2026-11-27 01:43:12Z
                    """);
            assertThat(stub.only().bodyText()).isEqualTo("{\"name\":\"relay\",\"chip\":\"esp8266\",\"layout\":\"arduino-4m\","
                    + "\"healthWindowSeconds\":330}");

            Run minutes = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--health-window", "5m",
                    "--server", stub.url(), "--json");
            assertThat(minutes.exit()).as(minutes.toString()).isZero();
            assertThat(stub.requests.get(1).bodyText()).endsWith(",\"healthWindowSeconds\":300}");

            Run fraction = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m",
                    "--health-window", "2500ms", "--server", stub.url());
            assertThat(fraction.exit()).isEqualTo(2);
            assertThat(fraction.err()).startsWith("error: --health-window takes whole seconds, e.g. 30s or 10m; got 2500ms\n");
            assertThat(stub.requests).hasSize(2);
        }
    }

    @Test
    void releaseUploadHoldSendsTheFieldAndSaysSo() throws IOException {
        byte[] image = ImageBuilder.arduino().version("2.0.0").payload(1, 20_000).build();
        Path fw = Files.write(dir.resolve("fw.bin"), image);
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/relay/releases", 201, HELD_RELEASE)) {
            Run run = Run.of("release", "upload", "relay", "2.0.0", "--firmware", fw.toString(), "--hold", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    Released relay 2.0.0 (held: devices get it only through a rollout)
                    ROLE      SIZE  SHA256                                                            MD5
                    firmware  4711  9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  098f6bcd4621d373cade4e832627b4f6
                    """);
            StubServer.Request request = stub.only();
            String boundary = request.header("Content-Type").substring("multipart/form-data; boundary=".length());
            String head = new String(request.body(), 0, 400, StandardCharsets.ISO_8859_1);
            assertThat(head).startsWith("--" + boundary + "\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n2.0.0\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"hold\"\r\n\r\ntrue\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"firmware\"; filename=\"fw.bin\"\r\n");
        }
    }

    @Test
    void releaseUploadWithoutHoldSendsNoHoldField() throws IOException {
        byte[] image = ImageBuilder.arduino().version("2.0.0").payload(1, 20_000).build();
        Path fw = Files.write(dir.resolve("fw.bin"), image);
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/relay/releases", 201,
                HELD_RELEASE.replace("\"downgrade\":false,\"held\":true", "\"downgrade\":true,\"held\":true"))) {
            Run run = Run.of("release", "upload", "relay", "2.0.0", "--firmware", fw.toString(), "--downgrade", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            // The server's answer is what is shown: both flags at once.
            assertThat(run.out()).startsWith("Released relay 2.0.0 (downgrade allowed; held: devices get it only through a rollout)\n");
            assertThat(new String(stub.only().body(), StandardCharsets.ISO_8859_1)).doesNotContain("name=\"hold\"");
        }
    }
}

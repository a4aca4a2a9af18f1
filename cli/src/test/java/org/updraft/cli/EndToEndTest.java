package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * The CLI against a real UpdraftServer on loopback (embedded SQLite in a temp dir): create a product, upload a real image,
 * a device checks in the way ESP8266httpUpdate does, and the fleet shows up in {@code device list}.
 */
class EndToEndTest {

    /** The admin token the test server is started with (ServerConfig.withAdminToken). */
    private static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();

    private static final String MAC = "5C:CF:7F:01:02:03";

    @TempDir
    Path dir;

    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }

    @Test
    void productReleaseCheckInAndDeviceList() throws Exception {
        byte[] image = ImageBuilder.arduino().version("1.0.0").payload(1, 100_000).build();
        Path fw = Files.write(dir.resolve("fw.bin"), image);
        try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null).withAdminToken(TOKEN))) {
            String url = server.baseUri().toString();

            Run create = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--server", url, "--token", TOKEN);
            assertThat(create.exit()).as(create.toString()).isZero();
            assertThat(create.out()).startsWith("""
                    Created product relay
                      chip           esp8266
                      kind           arduino
                      layout         arduino-4m
                      flash size     4 MiB
                      slot size      1044464 B
                      update path    -
                      health window  5m
                      created        20""");

            Run upload = Run.of("release", "upload", "relay", "1.0.0", "--firmware", fw.toString(), "--server", url, "--token", TOKEN);
            assertThat(upload.exit()).as(upload.toString()).isZero();
            String size = String.valueOf(image.length);
            assertThat(upload.out()).isEqualTo("Released relay 1.0.0\n"
                    + "ROLE      SIZE" + " ".repeat(size.length() - "SIZE".length()) + "  SHA256" + " ".repeat(58) + "  MD5\n"
                    + "firmware  " + size + "  " + hex("SHA-256", image) + "  " + hex("MD5", image) + "\n");
            assertThat(upload.err()).startsWith("Uploaded ").endsWith(" bytes.\n");

            Run again = Run.of("release", "upload", "relay", "1.0.0", "--firmware", fw.toString(), "--server", url, "--token", TOKEN);
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).startsWith("error: ").contains("1.0.0");

            Run releases = Run.of("release", "list", "relay", "--server", url, "--token", TOKEN);
            assertThat(releases.exit()).as(releases.toString()).isZero();
            assertThat(releases.out()).startsWith("VERSION  CREATED               STATE     DEVICES  DOWNGRADE  ARTIFACTS")
                    .contains("\n1.0.0    20").contains("Z  baseline  0        no         firmware " + size + " B");

            // The request ESP8266httpUpdate sends for ESPhttpUpdate.update(client, url, "0.9.0").
            HttpRequest checkIn = HttpRequest.newBuilder(URI.create(url + "/u/relay"))
                    .header("User-Agent", "ESP8266-http-Update")
                    .header("x-ESP8266-STA-MAC", MAC)
                    .header("x-ESP8266-AP-MAC", "5E:CF:7F:01:02:03")
                    .header("x-ESP8266-free-space", "2801664")
                    .header("x-ESP8266-sketch-size", "300000")
                    .header("x-ESP8266-sketch-md5", "0123456789abcdef0123456789abcdef")
                    .header("x-ESP8266-chip-size", "4194304")
                    .header("x-ESP8266-sdk-version", "2.2.2-dev(38a443e)")
                    .header("x-ESP8266-mode", "sketch")
                    .header("x-ESP8266-version", "0.9.0")
                    .build();
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                HttpResponse<byte[]> answer = http.send(checkIn, HttpResponse.BodyHandlers.ofByteArray());
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo(image);
            }
            server.devices().flush();

            Run json = Run.of("device", "list", "--server", url, "--token", TOKEN, "--json");
            assertThat(json.exit()).as(json.toString()).isZero();
            JsonNode device = ApiClient.JSON.readTree(json.out()).get(0);
            String lastSeen = Table.time(device.path("lastSeen"));
            String outcome = device.path("lastOutcome").asText();

            Run list = Run.of("device", "list", "--server", url, "--token", TOKEN, "--product", "relay");
            assertThat(list.exit()).as(list.toString()).isZero();
            assertThat(list.out()).isEqualTo(
                    "MAC                PRODUCT  RUNNING  LAST SEEN             ADDRESS    LAST OUTCOME\n"
                    + MAC + "  relay    0.9.0    " + lastSeen + "  127.0.0.1  " + outcome + "\n");

            Run pin = Run.of("device", "pin", MAC, "1.0.0", "--server", url, "--token", TOKEN);
            assertThat(pin.exit()).as(pin.toString()).isZero();
            Run show = Run.of("device", "show", MAC, "--server", url, "--token", TOKEN);
            assertThat(show.exit()).as(show.toString()).isZero();
            assertThat(show.out()).startsWith("Device " + MAC + "\n  product          relay\n  running version  0.9.0\n")
                    .contains("\n  pinned version   1.0.0\n", "\n  chip size        4 MiB\n", "\nTimeline:\nAT  ");

            Run unknown = Run.of("device", "pin", MAC, "9.9.9", "--server", url, "--token", TOKEN);
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).startsWith("error: ").contains("9.9.9");
        }
    }
}

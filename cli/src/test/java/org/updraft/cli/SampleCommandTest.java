package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * {@code updraft sample}: images that {@code inspect} and a real server's upload validation accept
 * for the matching layout, that say they are samples, and that carry the marker.
 */
class SampleCommandTest {

    private static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();

    @TempDir
    Path dir;

    @Test
    void everyKindIsInspectedAndUploadedForItsLayout() throws Exception {
        try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null).withAdminToken(TOKEN))) {
            String url = server.baseUri().toString();
            // chip, kind, layout of the product (null: the sample's default), files
            String[][] cases = {
                    {"esp8266", "arduino", "arduino-4m", null},
                    {"esp8266", "arduino", "arduino-1m", "arduino-1m"},
                    {"esp8266", "nonos", "nonos-512k", null},
                    {"esp8266", "nonos", "nonos-1m", "nonos-1m"},
                    {"esp32", "arduino", "esp32-4m", null},
                    {"esp32", "idf", "esp32-4m", null},
            };
            int n = 0;
            for (String[] c : cases) {
                String product = "p" + n++;
                Path out = dir.resolve(product + "-1.1.0.bin");
                Run sample = c[3] == null
                        ? Run.of("sample", "--chip", c[0], "--kind", c[1], "--version", "1.1.0", "-o", out.toString())
                        : Run.of("sample", "--chip", c[0], "--kind", c[1], "--layout", c[3], "--version", "1.1.0", "-o", out.toString());
                assertThat(sample.exit()).as(sample.toString()).isZero();
                assertThat(sample.out()).contains(" for layout " + c[2] + ", ")
                        .endsWith("Not executable: the code is filler; it is for trying Updraft only, never flash it to a device\n"
                                + "(it carries the text UPDRAFT-SAMPLE-NOT-EXECUTABLE). For a real .bin from your build see docs/images.md.\n");

                // An ESP32 product is of kind esp-idf for both Arduino-ESP32 and ESP-IDF apps (the server's default).
                Run product1 = c[0].equals("esp32")
                        ? Run.of("product", "create", product, "--chip", c[0], "--layout", c[2], "--server", url, "--token", TOKEN)
                        : Run.of("product", "create", product, "--chip", c[0], "--layout", c[2], "--kind", c[1], "--server", url, "--token", TOKEN);
                assertThat(product1.exit()).as(product1.toString()).isZero();
                Run upload;
                if (c[1].equals("nonos")) {
                    Path user1 = dir.resolve(product + "-1.1.0-user1.bin");
                    Path user2 = dir.resolve(product + "-1.1.0-user2.bin");
                    assertThat(out).doesNotExist();
                    assertThat(sample.out()).startsWith("Wrote " + user1 + ": sample ESP8266 NONOS SDK user image 1.1.0 for layout "
                            + c[2] + ", ");
                    assertInspectedAsSample(user1);
                    assertInspectedAsSample(user2);
                    upload = Run.of("release", "upload", product, "1.1.0", "--user1", user1.toString(), "--user2", user2.toString(),
                            "--server", url, "--token", TOKEN);
                } else {
                    assertInspectedAsSample(out);
                    upload = Run.of("release", "upload", product, "1.1.0", "--firmware", out.toString(), "--server", url, "--token", TOKEN);
                }
                assertThat(upload.exit()).as(c[0] + " " + c[1] + " " + c[2] + "\n" + upload).isZero();
            }
        }
    }

    @Test
    void theArduinoSampleNamesItselfAndDiffersByVersion() throws Exception {
        Path a = dir.resolve("relay-1.0.0.bin");
        Path b = dir.resolve("relay-1.1.0.bin");
        Run first = Run.of("sample", "--chip", "esp8266", "--kind", "arduino", "--version", "1.0.0", "-o", a.toString());
        Run second = Run.of("sample", "--chip", "esp8266", "--version", "1.1.0", "-o", b.toString());
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(second.exit()).as(second.toString()).isZero();
        assertThat(first.out()).startsWith("Wrote " + a + ": sample Arduino ESP8266 sketch 1.0.0 for layout arduino-4m, "
                + Files.size(a) + " bytes.\n");
        assertThat(Files.readAllBytes(a)).isNotEqualTo(Files.readAllBytes(b));
        assertThat(new String(Files.readAllBytes(b), java.nio.charset.StandardCharsets.ISO_8859_1))
                .contains("UPDRAFT-SAMPLE-NOT-EXECUTABLE: a sample made by updraft sample, version 1.1.0");
        // Same version, same bytes: a walk-through run twice uploads the same image.
        Run again = Run.of("sample", "--chip", "esp8266", "--version", "1.0.0", "-o", b.toString());
        assertThat(again.exit()).isZero();
        assertThat(Files.readAllBytes(b)).isEqualTo(Files.readAllBytes(a));
    }

    @Test
    void aSampleOverwritesOnlyASampleUnlessForced() throws Exception {
        Path real = Files.writeString(dir.resolve("real.bin"), "my own build");
        Run refused = Run.of("sample", "--chip", "esp8266", "--version", "1.0.0", "-o", real.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("error: " + real + " exists and is not a sample image; choose another -o or pass --force\n");
        assertThat(Files.readString(real)).isEqualTo("my own build");

        Run forced = Run.of("sample", "--chip", "esp8266", "--version", "1.0.0", "-o", real.toString(), "--force");
        assertThat(forced.exit()).as(forced.toString()).isZero();
        assertThat(SampleCommand.isSample(Files.readAllBytes(real))).isTrue();
    }

    @Test
    void chipKindAndLayoutThatDoNotBelongTogetherAreUsageErrors() {
        Path out = dir.resolve("x.bin");
        Run idf = Run.of("sample", "--chip", "esp8266", "--kind", "idf", "--version", "1.0.0", "-o", out.toString());
        assertThat(idf.exit()).isEqualTo(2);
        assertThat(idf.err()).startsWith("error: --kind idf is for the ESP32; an ESP8266 image is arduino or nonos\n");

        Run chip = Run.of("sample", "--chip", "esp8285", "--version", "1.0.0", "-o", out.toString());
        assertThat(chip.exit()).isEqualTo(2);
        assertThat(chip.err()).startsWith("error: --chip must be esp8266 or esp32, was 'esp8285'\n");

        Run layout = Run.of("sample", "--chip", "esp8266", "--kind", "nonos", "--layout", "arduino-4m", "--version", "1.0.0", "-o", out.toString());
        assertThat(layout.exit()).isEqualTo(2);
        assertThat(layout.err()).startsWith("error: --layout arduino-4m is not a layout for esp8266 nonos images\n");

        Run version = Run.of("sample", "--chip", "esp32", "--version", "", "-o", out.toString());
        assertThat(version.exit()).isEqualTo(2);
        assertThat(version.err()).startsWith("error: invalid version");
        assertThat(out).doesNotExist();
    }

    private static void assertInspectedAsSample(Path file) {
        Run inspect = Run.of("inspect", file.toString());
        assertThat(inspect.exit()).as(inspect.toString()).isZero();
        assertThat(inspect.out()).endsWith("sample    made by updraft sample (UPDRAFT-SAMPLE-NOT-EXECUTABLE): valid, not executable\n");
    }
}

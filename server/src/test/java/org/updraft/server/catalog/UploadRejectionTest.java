package org.updraft.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.image.Segment;
import org.updraft.core.layout.FlashLayout;
import org.updraft.testsupport.FilesystemImages;
import org.updraft.testsupport.Multipart;
import org.updraft.server.TestServer;
import org.updraft.server.http.Json;

/**
 * The upload rejection catalogue: every bad upload gets a 4xx whose message names
 * the problem, and afterwards the artifact store and the database hold exactly what they held.
 */
class UploadRejectionTest {

    static final byte[] ARDUINO_OK = ImageBuilder.arduino().version("1.0.0").payload(1, 8_000).build();
    static final byte[] LAMP_OK = ImageBuilder.arduino().flashSizeCode(2).version("1.0.0").payload(2, 8_000).build();
    static final byte[] USER1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(3, 6_000).build();
    static final byte[] USER2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(4, 6_000).build();
    static final String DIRECTORY_LISTING = """
            <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
            <html>
             <head>
              <title>Index of /firmware</title>
             </head>
             <body>
            <h1>Index of /firmware</h1>
            <table><tr><th><a href="?C=N;O=D">Name</a></th></tr>
            <tr><td><a href="user1.bin">user1.bin</a></td></tr>
            </table>
            </body></html>
            """;

    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
        server.product("relay", "arduino-4m");
        server.product("wifi", "nonos-512k");
        server.product("meter", "esp32-4m");
        server.product("lamp", "arduino-1m");
        var small = server.send("POST", "/api/v1/products", "{\"name\":\"tiny\",\"layout\":\"arduino-4m\",\"slotSize\":6000}");
        assertThat(small.statusCode()).isEqualTo(201);
        server.uploadOk("relay", "1.0.0", Multipart.file("firmware", ARDUINO_OK));
        server.uploadOk("wifi", "1", Multipart.file("user1", USER1), Multipart.file("user2", USER2));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Case(String name, String product, String version, List<Multipart.Part> parts, int status, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Multipart.Part fw(byte[] b) {
        return Multipart.file("firmware", b);
    }

    static Multipart.Part fs(byte[] b) {
        return Multipart.file("filesystem", b);
    }

    @Test
    void aReleaseWithAFileSystemImageListsItBesideTheApp() throws Exception {
        byte[] lampFs = FilesystemImages.spiffs(0x10000, 4096, 9);
        server.product("lantern", "arduino-1m");
        HttpResponse<String> r = server.upload("lantern", "9.0.0", fw(ImageBuilder.arduino().flashSizeCode(2).version("9.0.0")
                .payload(19, 8_000).build()), fs(lampFs));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        var fsView = Json.MAPPER.readTree(r.body()).get("artifacts").get(1);
        assertThat(fsView.get("role").asText()).isEqualTo("fs");
        assertThat(fsView.get("format").asText()).isEqualTo("SPIFFS");
        assertThat(fsView.get("size").asLong()).isEqualTo(0x10000);
        assertThat(fsView.get("sha256").asText()).isEqualTo(org.updraft.server.artifact.Digests.sha256Hex(lampFs));
    }

    static Stream<Arguments> catalogue() {
        List<Case> cases = new ArrayList<>();
        byte[] text = "version 2\nplease flash me\n".getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("HTML directory listing", "relay", "2.0.0", List.of(fw(DIRECTORY_LISTING.getBytes(StandardCharsets.UTF_8))),
                422, "firmware image rejected: not a firmware image"));
        cases.add(new Case("JSON", "relay", "2.0.0", List.of(fw("{\"version\": \"2.0.0\", \"url\": \"http://x/fw.bin\"}".getBytes())),
                422, "JSON"));
        cases.add(new Case("plain text", "relay", "2.0.0", List.of(fw(text)), 422, "text"));
        cases.add(new Case("empty file", "relay", "2.0.0", List.of(fw(new byte[0])), 422, "firmware image rejected: "));
        cases.add(new Case("wrong checksum", "relay", "2.0.0",
                List.of(fw(ImageBuilder.arduino().payload(5, 8_000).wrongChecksum().build())), 422, "checksum"));
        cases.add(new Case("v2 CRC mismatch", "wifi", "2", List.of(Multipart.file("user1",
                ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(6, 6_000).wrongCrc().build()), Multipart.file("user2", USER2)),
                422, "CRC"));
        cases.add(new Case("ESP32 image for an ESP8266 product", "relay", "2.0.0", List.of(fw(ImageBuilder.esp32().build())),
                422, "firmware image rejected: it is an ESP32 image (ESP32 application image) but product 'relay' is for ESP8266"));
        cases.add(new Case("ESP8266 image for an ESP32 product", "meter", "2.0.0", List.of(fw(ARDUINO_OK)),
                422, "but product 'meter' is for ESP32"));
        cases.add(new Case("plain app without eboot for an Arduino product", "relay", "2.0.0",
                List.of(fw(ImageBuilder.esp8266().build())), 422, "this image has no eboot bootloader"));
        cases.add(new Case("flash-size code larger than the product's flash", "relay", "2.0.0",
                List.of(fw(ImageBuilder.arduino().flashSizeCode(9).payload(7, 8_000).build())), 422,
                "its header declares 16 MB of flash (size code 9) but product 'relay' has 4 MB"));
        cases.add(new Case("image larger than the slot", "tiny", "1.0.0", List.of(fw(ARDUINO_OK)), 422,
                "do not fit the update slot of 6000 bytes"));
        cases.add(new Case("NONOS pair swapped", "wifi", "2", List.of(
                Multipart.file("user1", ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(8, 6_000).build()),
                Multipart.file("user2", ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(9, 6_000).build())),
                422, "user1 and user2 are swapped"));
        cases.add(new Case("NONOS pair linked for another map", "wifi", "2", List.of(
                Multipart.file("user1", ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).flashSizeCode(0).payload(8, 6_000).build()),
                Multipart.file("user2", ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).flashSizeCode(0).payload(9, 6_000).build())),
                422, "user2 image rejected: it is linked with irom0 at 0x40281010 but layout nonos-512k runs user2 with irom0 at 0x40241010"));
        cases.add(new Case("NONOS release without user2", "wifi", "2", List.of(Multipart.file("user1", USER1)), 422,
                "a release needs both user1 and user2 images (got user1)"));
        cases.add(new Case("NONOS user1 and user2 identical", "wifi", "2", List.of(Multipart.file("user1", USER1),
                Multipart.file("user2", USER1)), 422, "user1 and user2 are the same image"));
        cases.add(new Case("no image at all", "relay", "2.0.0", List.of(), 422, "takes exactly one image in the part 'firmware', and optionally a file system image in the part 'filesystem' (got none)"));
        cases.add(new Case("duplicate version", "relay", "1.0.0", List.of(fw(ImageBuilder.arduino().payload(10, 8_000).build())), 409,
                "product 'relay' already has release 1.0.0"));
        cases.add(new Case("lower version without downgrade", "relay", "0.9", List.of(fw(ImageBuilder.arduino().payload(11, 8_000).build())),
                409, "version 0.9 is lower than the newest release 1.0.0"));
        cases.add(new Case("bad version", "relay", "1.0\u0007", List.of(fw(ImageBuilder.arduino().payload(12, 8_000).build())), 400,
                "version '1.0?' is not valid"));
        cases.add(new Case("unknown product", "nosuch", "1", List.of(fw(ARDUINO_OK)), 404, "no product named 'nosuch'"));
        // Filesystem images (docs/images.md, "Filesystem images"): the lamp's region is 64 KB at 0xEB000.
        String lampFs = "expected a LittleFS or SPIFFS image of exactly 65536 bytes (0x10000, the fs region of layout arduino-1m at 0xEB000)";
        byte[] lampFs1 = FilesystemImages.littlefs(0x10000, 4096, 1);
        cases.add(new Case("filesystem of the wrong size", "lamp", "1.0.0", List.of(fw(LAMP_OK),
                fs(FilesystemImages.littlefs(0x1FA000, 8192, 1))), 422, "filesystem image rejected: wrong size: 2072576 bytes; " + lampFs
                + " (built for a larger region: it would overwrite what follows the file system)"));
        cases.add(new Case("truncated filesystem", "lamp", "1.0.0", List.of(fw(LAMP_OK), fs(java.util.Arrays.copyOf(lampFs1, 40960))),
                422, "filesystem image rejected: wrong size: 40960 bytes; " + lampFs));
        cases.add(new Case("app image as the filesystem", "lamp", "1.0.0", List.of(fw(LAMP_OK), fs(LAMP_OK)), 422,
                "filesystem image rejected: an app image uploaded as a filesystem: it starts with byte 0xE9"));
        cases.add(new Case("HTML as the filesystem", "lamp", "1.0.0", List.of(fw(LAMP_OK),
                fs(DIRECTORY_LISTING.getBytes(StandardCharsets.UTF_8))), 422,
                "filesystem image rejected: not a filesystem image: starts with '<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML ...' (looks like an HTML directory listing)"));
        byte[] erased = new byte[0x10000];
        java.util.Arrays.fill(erased, (byte) 0xFF);
        cases.add(new Case("all-0xFF filesystem", "lamp", "1.0.0", List.of(fw(LAMP_OK), fs(erased)), 422,
                "filesystem image rejected: not a filesystem image: all 65536 bytes are 0xFF"));
        byte[] noFs = lampFs1.clone();
        java.util.Arrays.fill(noFs, 0, 8192, (byte) 0x00);
        noFs[0] = 0x02;
        cases.add(new Case("filesystem that is neither LittleFS nor SPIFFS", "lamp", "1.0.0", List.of(fw(LAMP_OK), fs(noFs)), 422,
                "filesystem image rejected: not a filesystem image: no LittleFS superblock"));
        cases.add(new Case("filesystem for a NONOS product", "wifi", "2", List.of(Multipart.file("user1", USER1),
                Multipart.file("user2", USER2), fs(lampFs1)), 422, "its layout nonos-512k has no file system region"));
        cases.add(new Case("filesystem without firmware", "lamp", "1.0.0", List.of(fs(lampFs1)), 422,
                "takes exactly one image in the part 'firmware', and optionally a file system image in the part 'filesystem' (got fs)"));
        // Truncated at every segment boundary (segment header and segment data) of a valid image.
        try {
            FirmwareImage img = FirmwareImage.parse(ARDUINO_OK);
            for (Segment s : img.segments()) {
                for (int cut : new int[] {s.fileOffset() - 8, s.fileOffset(), s.fileOffset() + s.length() - 1}) {
                    cases.add(new Case("truncated at " + cut, "relay", "2.0.0", List.of(fw(ImageBuilder.truncate(ARDUINO_OK, cut))),
                            422, "firmware image rejected: "));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return cases.stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void isRejectedWithAMessageAndNothingIsStored(Case c) throws Exception {
        Snapshot before = snapshot();

        Multipart m = new Multipart().field("version", c.version());
        for (Multipart.Part p : c.parts()) {
            m.file(p.name(), p.fileName(), p.bytes());
        }
        HttpResponse<String> r = server.upload(c.product(), m);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(c.status());
        var json = Json.MAPPER.readTree(r.body());
        assertThat(json.get("status").asInt()).isEqualTo(c.status());
        assertThat(json.get("error").asText()).contains(c.message());
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void truncationMessagesNameTheSegment() throws Exception {
        HttpResponse<String> r = server.upload("relay", "2.0.0", fw(ImageBuilder.truncate(ARDUINO_OK, ARDUINO_OK.length - 100)));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).startsWith("firmware image rejected: truncated");
    }

    @Test
    void notMultipartIs415() {
        var r = server.send("POST", "/api/v1/products/relay/releases", "{\"version\":\"2\"}");
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(r.body()).contains("expected Content-Type: multipart/form-data");
    }

    @Test
    void unknownFormFieldIs400() {
        Multipart m = new Multipart().field("version", "2.0.0").file("firmwear", "fw.bin", ARDUINO_OK);
        var r = server.upload("relay", m);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("unexpected form field 'firmwear'");
    }

    @Test
    void aDowngradeMarkedAsSuchIsAccepted() {
        HttpResponse<String> r = server.upload("relay", new Multipart().field("version", "0.5.0").field("downgrade", "true")
                .file("firmware", "fw.bin", ImageBuilder.arduino().payload(13, 8_000).build()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.body()).contains("\"downgrade\":true");
    }

    /** Everything a rejected upload could have touched. */
    record Snapshot(long blobs, long tmpFiles, long artifacts, long releases, long releaseArtifacts, long storedBlobs, long blobChunks) {
    }

    static Snapshot snapshot() throws Exception {
        Path store = server.dataDir().resolve("artifacts");
        long blobs;
        try (Stream<Path> walk = Files.walk(store)) {
            blobs = walk.filter(p -> p.toString().endsWith(".bin")).count();
        }
        long tmp;
        try (Stream<Path> walk = Files.list(store.resolve("tmp"))) {
            tmp = walk.count();
        }
        var jdbi = server.server().database().jdbi();
        return jdbi.withHandle(h -> new Snapshot(blobs, tmp,
                h.createQuery("SELECT COUNT(*) FROM artifact").mapTo(Long.class).one(),
                h.createQuery("SELECT COUNT(*) FROM firmware_release").mapTo(Long.class).one(),
                h.createQuery("SELECT COUNT(*) FROM release_artifact").mapTo(Long.class).one(),
                h.createQuery("SELECT COUNT(*) FROM artifact_blob").mapTo(Long.class).one(),
                h.createQuery("SELECT COUNT(*) FROM artifact_blob_chunk").mapTo(Long.class).one()));
    }
}

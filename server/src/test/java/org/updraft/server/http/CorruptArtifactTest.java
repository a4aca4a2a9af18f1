package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.server.config.Limits;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;

/**
 * A stored image that no longer hashes to its SHA-256 is never sent, not one byte. A damaged file is
 * fetched again from the database's copy (the files are a cache of it); when that copy is damaged
 * too, the image cannot be served at all: the HTTP update
 * path answers 500 {@code corrupt-artifact} with an empty body, a NONOS user bin closes the
 * connection, the device keeps its firmware — before and after a restart, for a flipped byte and a
 * truncation — and operators see it in the release listing and in {@code /metrics}.
 */
class CorruptArtifactTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(71, 30_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(72, 30_000).build();
    static final byte[] U1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).payload(73, 9_000).build();
    static final byte[] U2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).payload(74, 9_000).build();
    static final String MAC = "DE:BA:7A:B1:E0:42";

    static String checkIn(byte[] running) {
        return "GET /u/relay HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: ESP8266-http-Update\r\n"
                + "x-ESP8266-STA-MAC: " + MAC + "\r\nx-ESP8266-free-space: 2000000\r\nx-ESP8266-sketch-size: " + running.length
                + "\r\nx-ESP8266-sketch-md5: " + Digests.md5Hex(running) + "\r\nx-ESP8266-chip-size: 4194304\r\n"
                + "x-ESP8266-mode: sketch\r\n\r\n";
    }

    static Path blob(TestServer server, byte[] image) {
        return server.server().artifacts().pathOf(Digests.sha256Hex(image));
    }

    /** Damages the database's copy of the image, so that a damaged file cannot be fetched again. */
    static void damageDatabaseCopy(TestServer server, byte[] image) {
        int changed = server.server().database().jdbi().withHandle(h -> h.createUpdate(
                        "UPDATE artifact_blob_chunk SET bytes = :b WHERE sha256 = :s AND seq = 0")
                .bind("b", new byte[16]).bind("s", Digests.sha256Hex(image)).execute());
        assertThat(changed).isEqualTo(1);
    }

    static void flip(Path file, long offset) throws Exception {
        FileTime mtime = Files.getLastModifiedTime(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x80);
        }
        Files.setLastModifiedTime(file, mtime);
    }

    static void assertRefused(RawHttp.Response r, byte[] image) {
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEmpty();
        assertThat(r.header("x-MD5")).isNull();
        assertThat(r.header("X-Updraft-Reason")).isEqualTo("corrupt-artifact: the stored image " + Digests.sha256Hex(image)
                + " of release 2.0.0 failed its integrity check and is not sent; an operator must upload the release's image again");
    }

    @Test
    void aFlippedByteIsRefusedBeforeAndAfterARestartAndShownToOperators() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
            damageDatabaseCopy(server, V2);
            flip(blob(server, V2), 12_345);

            assertRefused(RawHttp.exchange(server.port(), checkIn(V1)), V2);
            RawHttp.Response head = RawHttp.exchange(server.port(), checkIn(V1).replaceFirst("GET", "HEAD"));
            assertThat(head.status()).isEqualTo(500);

            server.restart();

            assertRefused(RawHttp.exchange(server.port(), checkIn(V1)), V2);
            assertThat(server.get("/api/v1/products/relay/releases/2.0.0").body())
                    .contains("\"damaged\":\"the stored file (" + V2.length + " bytes) hashes to ")
                    .as("no path shown to viewers").doesNotContain(blob(server, V2).getParent().toString());
            assertThat(server.get("/metrics").body()).contains("updraft_artifacts_damaged 1.0")
                    .contains("updraft_checkins_total{outcome=\"corrupt-artifact\"} 1.0");
            server.server().devices().flush();
            String device = server.get("/api/v1/devices/" + MAC).body();
            assertThat(device).contains("\"lastOutcome\":\"corrupt-artifact\"").contains("\"updates\":[]");
        }
    }

    @Test
    void aChangeAfterTheImageWasServedIsCaughtAtTheNextRequest() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
            assertThat(RawHttp.exchange(server.port(), checkIn(V1)).body()).isEqualTo(V2);
            damageDatabaseCopy(server, V2);
            flip(blob(server, V2), 0);
            assertRefused(RawHttp.exchange(server.port(), checkIn(V1)), V2);
            RawHttp.Response range = RawHttp.exchange(server.port(), checkIn(V1).replace("\r\n\r\n", "\r\nRange: bytes=100-199\r\n\r\n"));
            assertThat(range.status()).as("not even a range of it").isEqualTo(500);
            assertThat(range.body()).isEmpty();
        }
    }

    @Test
    void aTruncatedUserBinClosesTheConnectionWithoutAByte() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED)) {
            server.product("wifi", "nonos-1m");
            server.uploadOk("wifi", "2", Multipart.file("user1", U1), Multipart.file("user2", U2));
            damageDatabaseCopy(server, U2);
            try (RandomAccessFile f = new RandomAccessFile(blob(server, U2).toFile(), "rw")) {
                f.setLength(U2.length / 2);
            }
            RawHttp.Response r = RawHttp.exchange(server.port(), "GET /u/wifi/user2.bin HTTP/1.0\r\nHost: x\r\n\r\n");
            assertThat(r.raw()).isEmpty();
            assertThat(RawHttp.exchange(server.port(), "GET /u/wifi/user1.bin HTTP/1.0\r\nHost: x\r\n\r\n").body())
                    .as("the intact slot is still served").isEqualTo(U1);
            assertThat(server.server().artifacts().damaged()).containsOnlyKeys(Digests.sha256Hex(U2));
        }
    }

    @Test
    void thePeriodicScrubFindsDamageNoDeviceAskedFor() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED, c -> c.withLimits(Limits.DEFAULTS.with("scrub-interval", "100ms")))) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
            damageDatabaseCopy(server, V2);
            flip(blob(server, V2), 999);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (server.server().artifacts().damaged().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(server.server().artifacts().damaged()).containsOnlyKeys(Digests.sha256Hex(V2));
        }
    }

    @Test
    void aFlippedByteWithAnIntactDatabaseCopyIsFetchedAgainAndServedIntact() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
            assertThat(RawHttp.exchange(server.port(), checkIn(V1)).body()).isEqualTo(V2);
            flip(blob(server, V2), 12_345);

            RawHttp.Response r = RawHttp.exchange(server.port(), checkIn(V1));

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(V2);
            assertThat(Files.readAllBytes(blob(server, V2))).isEqualTo(V2);
            assertThat(server.server().artifacts().damaged()).isEmpty();
            Files.delete(blob(server, V2));
            assertThat(RawHttp.exchange(server.port(), checkIn(V1)).body()).as("a deleted file too").isEqualTo(V2);
        }
    }
}

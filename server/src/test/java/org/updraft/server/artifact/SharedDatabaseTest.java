package org.updraft.server.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.RawHttp;
import org.updraft.server.ServerConfig;
import org.updraft.server.TestDatabase;
import org.updraft.server.UpdraftServer;
import org.updraft.server.auth.ApiTokens;
import org.updraft.testsupport.Multipart;

/**
 * Instances that share only PostgreSQL serve the same releases: the image bytes are in the
 * database, each instance's artifacts/ directory is a verified cache of them, filled on the first
 * download and fetched again when its file is damaged (docs/integrity.md).
 */
class SharedDatabaseTest {

    static final String TOKEN = ApiTokens.newSecret();
    /** Over 256 KiB, so the database holds it in several chunks. */
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(81, 20_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(82, 700_000).build();
    static final String MAC = "5C:CF:7F:00:A2:01";

    @TempDir
    Path dirA;
    @TempDir
    Path dirB;

    static UpdraftServer start(Path dir, String jdbcUrl) {
        return UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, jdbcUrl).withAdminToken(TOKEN));
    }

    static void createAndUpload(UpdraftServer server, String version, byte[] image) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        http.send(HttpRequest.newBuilder(server.baseUri().resolve("/api/v1/products")).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"relay\",\"layout\":\"arduino-4m\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        Multipart m = new Multipart().field("version", version).file("firmware", "fw.bin", image);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/api/v1/products/relay/releases"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", m.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(m.body())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void aReleaseUploadedThroughOneInstanceIsServedByteExactByAnotherWithAnEmptyDataDirectory() throws Exception {
        try (TestDatabase.Instance db = TestDatabase.POSTGRES.create(dirA)) {
            try (UpdraftServer a = start(dirA, db.jdbcUrl())) {
                createAndUpload(a, "2.0.0", V2);
                try (UpdraftServer b = start(dirB, db.jdbcUrl())) {
                    Path cached = b.artifacts().pathOf(Digests.sha256Hex(V2));
                    assertThat(cached).as("B has not downloaded anything yet").doesNotExist();

                    RawHttp.Response r = RawHttp.exchange(b.port(), RawHttp.esp8266CheckIn(MAC, V1));

                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.body()).isEqualTo(V2);
                    assertThat(Files.readAllBytes(cached)).as("cached on B after the first download").isEqualTo(V2);
                }
            }
        }
    }

    @Test
    void aTamperedCacheFileIsNotServedButFetchedAgainFromTheDatabase() throws Exception {
        try (TestDatabase.Instance db = TestDatabase.POSTGRES.create(dirA)) {
            try (UpdraftServer a = start(dirA, db.jdbcUrl())) {
                createAndUpload(a, "2.0.0", V2);
            }
            try (UpdraftServer b = start(dirB, db.jdbcUrl())) {
                assertThat(RawHttp.exchange(b.port(), RawHttp.esp8266CheckIn(MAC, V1)).body()).isEqualTo(V2);
                Path cached = b.artifacts().pathOf(Digests.sha256Hex(V2));
                try (RandomAccessFile f = new RandomAccessFile(cached.toFile(), "rw")) {
                    f.seek(300_000);
                    f.write(0x55 ^ f.readByte());
                }

                RawHttp.Response r = RawHttp.exchange(b.port(), RawHttp.esp8266CheckIn(MAC, V1));

                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).as("the database's copy, not the tampered file").isEqualTo(V2);
                assertThat(Files.readAllBytes(cached)).as("the cache file was replaced").isEqualTo(V2);
                assertThat(b.artifacts().damaged()).isEmpty();
            }
        }
    }

    @Test
    void aFileDamagedAndADatabaseCopyDamagedTooIsRefused() throws Exception {
        try (TestDatabase.Instance db = TestDatabase.POSTGRES.create(dirA)) {
            try (UpdraftServer a = start(dirA, db.jdbcUrl())) {
                createAndUpload(a, "2.0.0", V2);
            }
            String sha = Digests.sha256Hex(V2);
            try (Connection c = DriverManager.getConnection(db.jdbcUrl());
                 PreparedStatement s = c.prepareStatement("UPDATE artifact_blob_chunk SET bytes = ? WHERE sha256 = ? AND seq = 1")) {
                s.setBytes(1, new byte[DatabaseBlobs.CHUNK]);
                s.setString(2, sha);
                assertThat(s.executeUpdate()).isEqualTo(1);
            }
            try (UpdraftServer b = start(dirB, db.jdbcUrl())) {
                RawHttp.Response r = RawHttp.exchange(b.port(), RawHttp.esp8266CheckIn(MAC, V1));

                assertThat(r.status()).isEqualTo(500);
                assertThat(r.body()).isEmpty();
                assertThat(r.header("X-Updraft-Reason")).startsWith("corrupt-artifact: the stored image " + sha);
                assertThat(b.artifacts().pathOf(sha)).as("a damaged copy is never cached").doesNotExist();
            }
        }
    }

    @Test
    void aDataDirectoryOfAnEarlierVersionIsStoredInTheDatabaseAtStartOnce() throws Exception {
        try (TestDatabase.Instance db = TestDatabase.POSTGRES.create(dirA)) {
            String sha = Digests.sha256Hex(V2);
            try (UpdraftServer a = start(dirA, db.jdbcUrl())) {
                createAndUpload(a, "2.0.0", V2);
            }
            // As an earlier version left it: the file, no bytes in the database.
            try (Connection c = DriverManager.getConnection(db.jdbcUrl())) {
                assertThat(c.createStatement().executeUpdate("DELETE FROM artifact_blob")).isEqualTo(1);
            }
            try (UpdraftServer a = start(dirA, db.jdbcUrl())) {
                DatabaseBlobs blobs = (DatabaseBlobs) a.artifacts().backing().orElseThrow();
                assertThat(blobs.digests()).containsExactly(sha);
                assertThat(blobs.get(sha)).hasValueSatisfying(b -> assertThat(b).isEqualTo(V2));
                assertThat(blobs.backfill(java.util.Set.of(sha), a.artifacts()).stored()).as("idempotent").isEmpty();
            }
            try (UpdraftServer b = start(dirB, db.jdbcUrl())) {
                assertThat(RawHttp.exchange(b.port(), RawHttp.esp8266CheckIn(MAC, V1)).body()).isEqualTo(V2);
            }
        }
    }

}

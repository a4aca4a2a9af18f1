package org.updraft.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.MutableClock;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.BlobStore;
import org.updraft.server.artifact.Digests;
import org.updraft.testsupport.Multipart;

/**
 * {@code POST /api/v1/artifacts/gc}: the bytes of images that only archived releases name leave the
 * database and the cache once the grace period after their last upload has passed; the artifact row
 * stays; a dry run removes nothing; an image a live release shares is kept; each run is audited.
 */
class ArtifactCollectionTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(61, 300_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(62, 20_000).build();
    static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anArchivedReleasesBytesAreCollectedAfterTheGracePeriodAndItsRowStays(TestDatabase engine) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T01:00:00Z"));
        try (TestServer server = new TestServer(engine, c -> c.withClock(clock))) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
            server.expect(200, server.send("POST", "/api/v1/products/relay/releases/1.0.0/archive", null));
            String sha1 = Digests.sha256Hex(V1);
            BlobStore blobs = server.server().artifacts().backing().orElseThrow();
            Path file = server.server().artifacts().pathOf(sha1);

            JsonNode early = JSON.readTree(server.expect(200, server.send("POST", "/api/v1/artifacts/gc", null)));
            assertThat(early.path("collected")).isEmpty();
            assertThat(early.path("waiting")).hasSize(1);
            assertThat(early.path("waiting").get(0).path("sha256").asText()).isEqualTo(sha1);
            assertThat(early.path("graceSeconds").asLong()).isEqualTo(3600);
            assertThat(blobs.exists(sha1)).as("within the grace period").isTrue();

            clock.advance(Duration.ofMinutes(61));
            JsonNode dry = JSON.readTree(server.expect(200, server.send("POST", "/api/v1/artifacts/gc", "{\"dryRun\":true}")));
            assertThat(dry.path("dryRun").asBoolean()).isTrue();
            assertThat(dry.path("collected").get(0).path("sha256").asText()).isEqualTo(sha1);
            assertThat(dry.path("bytes").asLong()).isEqualTo(V1.length);
            assertThat(blobs.exists(sha1)).as("a dry run removes nothing").isTrue();
            assertThat(file).exists();

            JsonNode run = JSON.readTree(server.expect(200, server.send("POST", "/api/v1/artifacts/gc", null)));

            assertThat(run.path("dryRun").asBoolean()).isFalse();
            assertThat(run.path("collected")).hasSize(1);
            assertThat(run.path("collected").get(0).path("size").asLong()).isEqualTo(V1.length);
            assertThat(run.path("bytes").asLong()).isEqualTo(V1.length);
            assertThat(blobs.exists(sha1)).isFalse();
            assertThat(blobs.get(sha1)).isEmpty();
            assertThat(file).doesNotExist();
            int chunks = server.server().database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM artifact_blob_chunk WHERE sha256 = :s").bind("s", sha1).mapTo(Integer.class).one());
            assertThat(chunks).isZero();
            int artifactRows = server.server().database().jdbi().withHandle(h -> h.createQuery(
                    "SELECT count(*) FROM artifact WHERE sha256 = :s").bind("s", sha1).mapTo(Integer.class).one());
            assertThat(artifactRows).as("the artifact row stays: a device running 1.0.0 is still recognised").isEqualTo(1);
            assertThat(blobs.exists(Digests.sha256Hex(V2))).as("the live release keeps its bytes").isTrue();
            assertThat(server.get("/api/v1/audit?limit=1").body()).contains("POST /api/v1/artifacts/gc")
                    .contains("collected=1").contains("bytes=" + V1.length);

            JsonNode again = JSON.readTree(server.expect(200, server.send("POST", "/api/v1/artifacts/gc", null)));
            assertThat(again.path("collected")).isEmpty();
            server.restart();
            assertThat(server.server().artifacts().pathOf(sha1)).as("not backfilled again at start").doesNotExist();
            assertThat(server.server().artifacts().backing().orElseThrow().exists(sha1)).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anImageALiveReleaseSharesIsKeptAndAnUploadOfCollectedBytesStoresThemAgain(TestDatabase engine) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-07T01:00:00Z"));
        try (TestServer server = new TestServer(engine, c -> c.withClock(clock))) {
            server.product("relay", "arduino-4m");
            server.product("relay-eu", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.uploadOk("relay-eu", "1.0.0", Multipart.file("firmware", V1));
            server.expect(200, server.send("POST", "/api/v1/products/relay/releases/1.0.0/archive", null));
            clock.advance(Duration.ofHours(2));

            JsonNode run = JSON.readTree(server.expect(200, server.send("POST", "/api/v1/artifacts/gc", null)));
            assertThat(run.path("collected")).as("relay-eu 1.0.0 still names it").isEmpty();

            server.expect(200, server.send("POST", "/api/v1/products/relay-eu/releases/1.0.0/archive", null));
            assertThat(JSON.readTree(server.expect(200, server.send("POST", "/api/v1/artifacts/gc", null))).path("collected")).hasSize(1);

            server.uploadOk("relay", "1.0.1", Multipart.file("firmware", V1));
            BlobStore blobs = server.server().artifacts().backing().orElseThrow();
            assertThat(blobs.get(Digests.sha256Hex(V1))).hasValueSatisfying(b -> assertThat(b).isEqualTo(V1));
            assertThat(server.send("POST", "/api/v1/artifacts/gc", "{\"dryRun\":\"maybe\"}").statusCode()).isEqualTo(400);
        }
    }
}

package org.updraft.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.server.artifact.Digests;
import org.updraft.server.http.Json;
import org.updraft.testsupport.Multipart;

/**
 * A server restart keeps products, releases, devices (with pins and timelines) and artifacts —
 * on the embedded SQLite file database and on the machine's real PostgreSQL.
 */
class RestartTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(41, 12_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(42, 12_000).build();
    static final byte[] U1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).payload(43, 9_000).build();
    static final byte[] U2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).payload(44, 9_000).build();
    static final String MAC = "DE:BA:7A:B1:E0:42";

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everythingSurvivesARestart(TestDatabase db) throws Exception {
        try (TestServer server = new TestServer(db)) {
            server.product("relay", "arduino-4m");
            server.product("wifi", "nonos-1m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
            server.uploadOk("wifi", "7", Multipart.file("user1", U1), Multipart.file("user2", U2));
            assertThat(RawHttp.exchange(server.port(), RawHttp.esp8266CheckIn(MAC, V1)).body()).isEqualTo(V2);
            assertThat(server.send("PUT", "/api/v1/devices/" + MAC + "/pin", "{\"version\":\"1.0.0\"}").statusCode()).isEqualTo(200);
            String productsBefore = server.get("/api/v1/products").body();
            String releasesBefore = server.get("/api/v1/products/relay/releases").body();
            String deviceBefore = server.get("/api/v1/devices/" + MAC).body();
            // What an upload killed after storing its blob and before committing its release leaves.
            byte[] stray = org.updraft.core.image.ImageBuilder.arduino().version("9.9.9").payload(99, 4_000).build();
            new org.updraft.server.artifact.ArtifactStore(server.dataDir().resolve("artifacts")).put(stray);
            java.nio.file.Path strayFile = new org.updraft.server.artifact.ArtifactStore(server.dataDir().resolve("artifacts"))
                    .pathOf(Digests.sha256Hex(stray));
            assertThat(strayFile).exists();

            server.restart();

            assertThat(strayFile).as("a blob no release names is removed at start").doesNotExist();

            assertThat(server.get("/api/v1/products").body()).isEqualTo(productsBefore);
            assertThat(server.get("/api/v1/products/relay/releases").body()).isEqualTo(releasesBefore);
            assertThat(server.get("/api/v1/devices/" + MAC).body()).isEqualTo(deviceBefore);
            var device = Json.MAPPER.readTree(deviceBefore);
            assertThat(device.get("pinnedVersion").asText()).isEqualTo("1.0.0");
            assertThat(device.get("timeline")).hasSize(1);

            // The pin still holds after the restart: a device on v2 is sent back to v1.
            RawHttp.Response pinned = RawHttp.exchange(server.port(), RawHttp.esp8266CheckIn(MAC, V2));
            assertThat(pinned.status()).isEqualTo(200);
            assertThat(pinned.body()).isEqualTo(V1);
            // Artifacts are served byte-exact from the store after the restart.
            RawHttp.Response u2 = RawHttp.exchange(server.port(), "GET /u/wifi/user2.bin HTTP/1.0\r\nHost: x\r\n\r\n");
            assertThat(u2.body()).isEqualTo(U2);
            assertThat(server.get("/api/v1/devices/" + MAC).body()).contains("\"timeline\":[{");
            assertThat(Json.MAPPER.readTree(server.get("/api/v1/devices/" + MAC).body()).get("timeline")).hasSize(2);
            assertThat(server.get("/health").body()).contains("\"status\":\"UP\"");
        }
    }
}

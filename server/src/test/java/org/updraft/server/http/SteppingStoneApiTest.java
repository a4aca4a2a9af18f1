package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.testsupport.Multipart;

/**
 * {@code /api/v1/products/{product}/stepping-stone} on both databases: a designation is stored
 * (it survives a restart), replaced, shown, cleared and audited; one that cannot work is refused
 * and leaves the stored one as it was.
 */
class SteppingStoneApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/api/v1/products/tiny/stepping-stone";

    private static byte[] image(String version, int size) {
        return ImageBuilder.arduino().flashSizeCode(2).version(version).payload(version.hashCode(), size).build();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDesignationIsStoredReplacedClearedAndAudited(TestDatabase db) throws Exception {
        byte[] stone = image("1.1.0", 60_000);
        byte[] smaller = image("1.2.0", 40_000);
        try (TestServer s = new TestServer(db)) {
            s.product("tiny", "arduino-1m");
            s.uploadOk("tiny", "1.1.0", Multipart.file("firmware", stone));
            s.uploadOk("tiny", "1.2.0", Multipart.file("firmware", smaller));
            s.uploadOk("tiny", "2.0.0", Multipart.file("firmware", image("2.0.0", 520_000)));
            assertThat(s.get(PATH).statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(s.get(PATH).body()).get("error").asText()).isEqualTo("product 'tiny' has no stepping stone");

            JsonNode set = JSON.readTree(s.expect(200, s.send("PUT", PATH, "{\"version\":\"1.1.0\"}")));
            assertThat(set.get("product").asText()).isEqualTo("tiny");
            assertThat(set.get("version").asText()).isEqualTo("1.1.0");
            assertThat(set.get("size").asLong()).isEqualTo(stone.length);

            s.restart();
            assertThat(JSON.readTree(s.expect(200, s.get(PATH))).get("version").asText()).isEqualTo("1.1.0");

            // Refused: the stored designation stays as it was.
            JsonNode refused = JSON.readTree(s.send("PUT", PATH, "{\"version\":\"2.0.0\"}").body());
            assertThat(refused.get("status").asInt()).isEqualTo(409);
            assertThat(JSON.readTree(s.expect(200, s.get(PATH))).get("version").asText()).isEqualTo("1.1.0");
            assertThat(s.send("PUT", PATH, "{}").statusCode()).isEqualTo(400);

            s.expect(200, s.send("PUT", PATH, "{\"version\":\"1.2.0\"}"));
            assertThat(JSON.readTree(s.expect(200, s.get(PATH))).get("version").asText()).isEqualTo("1.2.0");
            // The stone cannot be archived while it is the stone.
            JsonNode archive = JSON.readTree(s.send("POST", "/api/v1/products/tiny/releases/1.2.0/archive", null).body());
            assertThat(archive.get("status").asInt()).isEqualTo(409);
            assertThat(archive.get("error").asText()).isEqualTo("release tiny 1.2.0 cannot be archived: it is the product's"
                    + " stepping stone (updraft product stepping-stone tiny --clear)");
            JsonNode cleared = JSON.readTree(s.expect(200, s.send("DELETE", PATH, null)));
            assertThat(cleared.get("version").asText()).isEqualTo("1.2.0");
            assertThat(s.send("DELETE", PATH, null).statusCode()).isEqualTo(404);
            s.restart();
            assertThat(s.get(PATH).statusCode()).isEqualTo(404);

            JsonNode audit = JSON.readTree(s.get("/api/v1/audit?limit=1000").body()).get("items");
            java.util.List<String> actions = new java.util.ArrayList<>();
            audit.forEach(e -> actions.add(e.get("action").asText() + " " + e.get("target").asText()));
            assertThat(actions).anyMatch(a -> a.startsWith("PUT /api/v1/products/{product}/stepping-stone") && a.contains("version=1.1.0"))
                    .anyMatch(a -> a.startsWith("DELETE /api/v1/products/{product}/stepping-stone"));
        }
    }
}

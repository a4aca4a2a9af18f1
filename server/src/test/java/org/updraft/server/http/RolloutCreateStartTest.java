package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.testsupport.Multipart;

/**
 * Creating and starting a rollout in one request ({@code ?start=true}) is both or neither: a refused
 * start stores nothing, before or after a restart. A draft can be deleted; a rollout that started
 * cannot.
 */
class RolloutCreateStartTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(61, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(62, 6_000).build();

    static JsonNode json(String body) throws Exception {
        return Json.MAPPER.readTree(body);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void createAndStartIsBothOrNeitherAndOnlyDraftsAreDeleted(TestDatabase kind) throws Exception {
        try (TestServer server = new TestServer(kind)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.expect(201, server.upload("relay", new Multipart().field("version", "2.0.0").field("hold", "true")
                    .file("firmware", "v2.bin", V2)));

            JsonNode running = json(server.expect(201, server.send("POST", "/api/v1/products/relay/rollouts?start=true",
                    "{\"version\":\"2.0.0\",\"waves\":\"10,100\"}")));
            long first = running.get("id").asLong();
            assertThat(running.get("state").asText()).isEqualTo("running");
            assertThat(running.get("waveStartedAt").isNull()).isFalse();

            var refused = server.send("POST", "/api/v1/products/relay/rollouts?start=true", "{\"version\":\"2.0.0\"}");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
            assertThat(json(refused.body()).get("error").asText()).isEqualTo("rollout " + first + " (running) already targets "
                    + "devices of this product that the new rollout would reach (it targets all devices); pause is not enough — "
                    + "complete or abort it first");
            assertThat(json(server.get("/api/v1/rollouts").body()).get("items")).as("no orphan draft").hasSize(1);

            var bad = server.send("POST", "/api/v1/products/relay/rollouts?start=yes", "{\"version\":\"2.0.0\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(json(bad.body()).get("error").asText()).isEqualTo("start must be true or false, got 'yes'");

            long draft = json(server.expect(201, server.send("POST", "/api/v1/products/relay/rollouts",
                    "{\"version\":\"2.0.0\",\"targetTags\":[\"lab\"]}"))).get("id").asLong();
            assertThat(json(server.get("/api/v1/rollouts").body()).get("items")).hasSize(2);

            server.restart();
            JsonNode afterRestart = json(server.get("/api/v1/rollouts/" + first).body());
            assertThat(afterRestart.get("state").asText()).isEqualTo("running");
            assertThat(afterRestart.get("waveStartedAt").asText()).isEqualTo(running.get("waveStartedAt").asText());
            assertThat(json(server.get("/api/v1/rollouts").body()).get("items")).hasSize(2);

            var notDraft = server.send("DELETE", "/api/v1/rollouts/" + first, null);
            assertThat(notDraft.statusCode()).isEqualTo(409);
            assertThat(json(notDraft.body()).get("error").asText()).isEqualTo("rollout " + first + " is running; only a draft can "
                    + "be deleted (a rollout that started stays as history: abort it to stop it)");
            JsonNode deleted = json(server.expect(200, server.send("DELETE", "/api/v1/rollouts/" + draft, null)));
            assertThat(deleted.get("state").asText()).isEqualTo("draft");
            assertThat(server.get("/api/v1/rollouts/" + draft).statusCode()).isEqualTo(404);
            assertThat(server.send("DELETE", "/api/v1/rollouts/" + draft, null).statusCode()).isEqualTo(404);
            server.restart();
            assertThat(json(server.get("/api/v1/rollouts").body()).get("items")).hasSize(1);

            String audit = server.get("/api/v1/audit?limit=100").body();
            assertThat(audit).contains("\"action\":\"POST /api/v1/products/{product}/rollouts\",\"target\":\"product=relay "
                    + "rollout=" + first + " version=2.0.0 start=true\"", "\"action\":\"DELETE /api/v1/rollouts/{id}\",\"target\":\"id="
                    + draft + "\"");
        }
    }
}

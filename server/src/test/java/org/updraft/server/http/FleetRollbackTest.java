package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.testsupport.Multipart;

/**
 * The one-step fleet rollback ({@code POST /api/v1/products/{product}/rollback}): a rollout of the
 * previous release marked as a downgrade, offered to the devices on the newer one in waves, while
 * the release rolled back is no longer the baseline; and its refusals.
 */
class FleetRollbackTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(51, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(52, 6_000).build();

    static RawHttp.Response checkIn(TestServer server, String mac, String version) throws Exception {
        return RawHttp.exchange(server.port(), "GET /u/relay?mac=" + mac + "&version=" + version + " HTTP/1.0\r\nHost: x\r\n\r\n");
    }

    static String error(java.net.http.HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Json.MAPPER.readTree(r.body()).get("error").asText();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void rollsTheFleetBackInWavesAndTheNewerReleaseStopsBeingTheBaseline(TestDatabase kind) throws Exception {
        try (TestServer server = new TestServer(kind)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            assertThat(error(server.send("POST", "/api/v1/products/relay/rollback", null), 409))
                    .isEqualTo("no device runs a release of product 'relay': there is nothing to roll back");
            for (String mac : new String[] {"AA:00:00:00:00:01", "AA:00:00:00:00:02"}) {
                assertThat(checkIn(server, mac, "1.0.0").status()).isEqualTo(304);
            }
            assertThat(error(server.send("POST", "/api/v1/products/relay/rollback", null), 409))
                    .isEqualTo("product 'relay' has no release older than 1.0.0, the newest release devices run: there is nothing "
                            + "to roll back to");

            // 2.0.0 goes straight to the fleet (the baseline) and both devices take it.
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
            for (String mac : new String[] {"AA:00:00:00:00:01", "AA:00:00:00:00:02"}) {
                assertThat(checkIn(server, mac, "1.0.0").body()).isEqualTo(V2);
                assertThat(checkIn(server, mac, "2.0.0").status()).isEqualTo(304);
            }

            assertThat(error(server.send("POST", "/api/v1/products/relay/rollback", "{\"version\":\"2.0.0\"}"), 409))
                    .isEqualTo("release 2.0.0 is not older than 2.0.0, the newest release devices run: a rollback goes to an "
                            + "older release (use updraft rollout create)");
            assertThat(error(server.send("POST", "/api/v1/products/relay/rollback", "{\"fromVersions\":\">=2\"}"), 400))
                    .startsWith("fromVersions is the rollback's to set");

            JsonNode back = Json.MAPPER.readTree(server.expect(201, server.send("POST", "/api/v1/products/relay/rollback?start=true",
                    "{\"waves\":\"50,100\",\"failureThreshold\":0.2}")));
            long id = back.get("id").asLong();
            assertThat(back.get("version").asText()).isEqualTo("1.0.0");
            assertThat(back.get("downgrade").asBoolean()).isTrue();
            assertThat(back.get("state").asText()).isEqualTo("running");
            assertThat(back.get("fromVersions").asText()).isEqualTo(">1.0.0");
            assertThat(back.get("waves").toString()).isEqualTo("[\"50%\",\"100%\"]");
            assertThat(back.get("policy").get("failureThreshold").asDouble()).isEqualTo(0.2);

            // 2.0.0 is rolled back: not the baseline any more.
            JsonNode releases = Json.MAPPER.readTree(server.get("/api/v1/products/relay/releases").body()).get("items");
            assertThat(releases.get(0).get("version").asText()).isEqualTo("2.0.0");
            assertThat(releases.get(0).get("baseline").asBoolean()).isFalse();
            assertThat(releases.get(0).get("devices").asLong()).isEqualTo(2);

            // Members of the current wave get the older release; the others wait for their wave.
            JsonNode status = Json.MAPPER.readTree(server.get("/api/v1/rollouts/" + id).body());
            int firstWave = status.get("progress").get(0).get("members").asInt();
            int offered = 0;
            for (String mac : new String[] {"AA:00:00:00:00:01", "AA:00:00:00:00:02"}) {
                RawHttp.Response r = checkIn(server, mac, "2.0.0");
                if (r.status() == 200) {
                    assertThat(r.body()).isEqualTo(V1);
                    offered++;
                } else {
                    assertThat(r.status()).as("not in the first wave: nothing, not 2.0.0 again").isEqualTo(304);
                }
            }
            assertThat(offered).isEqualTo(firstWave);

            // A second rollback while this one runs may reach the same devices: refused, nothing stored.
            assertThat(error(server.send("POST", "/api/v1/products/relay/rollback?start=true", null), 409))
                    .startsWith("rollout " + id + " (running) already targets devices of this product that the new rollout would reach");
            assertThat(Json.MAPPER.readTree(server.get("/api/v1/rollouts").body()).get("items")).hasSize(1);

            server.restart();
            JsonNode again = Json.MAPPER.readTree(server.get("/api/v1/rollouts/" + id).body());
            assertThat(again.get("downgrade").asBoolean()).isTrue();
            assertThat(again.get("state").asText()).isEqualTo("running");
            assertThat(server.get("/api/v1/audit?limit=20").body())
                    .contains("\"action\":\"POST /api/v1/products/{product}/rollback\",\"target\":\"product=relay start=true "
                            + "version=1.0.0 rollout=" + id + "\"");
        }
    }
}

package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;

/**
 * What an operator sees of the fleet: each release's baseline state and how many devices run it
 * (the release list), and the rollout, wave and running-version gauges of {@code /metrics}.
 */
class FleetViewTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(81, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(82, 6_000).build();

    static RawHttp.Response checkIn(TestServer server, String mac, String version) throws Exception {
        return RawHttp.exchange(server.port(), "GET /u/relay?mac=" + mac + "&version=" + version + " HTTP/1.0\r\nHost: x\r\n\r\n");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void releasesShowBaselineAndDevicesAndMetricsShowRolloutsWavesAndVersions(TestDatabase kind) throws Exception {
        try (TestServer server = new TestServer(kind)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.expect(201, server.upload("relay", new Multipart().field("version", "2.0.0").field("hold", "true")
                    .file("firmware", "v2.bin", V2)));
            for (int i = 1; i <= 3; i++) {
                assertThat(checkIn(server, "AA:00:00:00:00:0" + i, "1.0.0").status()).isEqualTo(304);
            }
            assertThat(checkIn(server, "AA:00:00:00:00:04", "0.9.0").status()).isEqualTo(200);   // offered 1.0.0
            server.expect(200, server.send("PUT", "/api/v1/devices/AA:00:00:00:00:01/tags", "{\"tags\":[\"canary\"]}"));

            JsonNode releases = Json.MAPPER.readTree(server.expect(200, server.get("/api/v1/products/relay/releases"))).get("items");
            assertThat(releases).hasSize(2);
            assertThat(releases.get(0).get("version").asText()).isEqualTo("2.0.0");
            assertThat(releases.get(0).get("held").asBoolean()).isTrue();
            assertThat(releases.get(0).get("baseline").asBoolean()).isFalse();
            assertThat(releases.get(0).get("devices").asLong()).isZero();
            assertThat(releases.get(1).get("version").asText()).isEqualTo("1.0.0");
            assertThat(releases.get(1).get("baseline").asBoolean()).isTrue();
            assertThat(releases.get(1).get("devices").asLong()).isEqualTo(3);
            JsonNode one = Json.MAPPER.readTree(server.expect(200, server.get("/api/v1/products/relay/releases/1.0.0")));
            assertThat(one).isEqualTo(releases.get(1));

            String idle = server.expect(200, server.get("/metrics"));
            assertThat(idle).contains("updraft_rollouts{state=\"running\"} 0.0\n", "updraft_rollouts{state=\"draft\"} 0.0\n",
                    "updraft_devices_running{product=\"relay\",version=\"1.0.0\"} 3.0\n",
                    "updraft_devices_running{product=\"relay\",version=\"other\"} 1.0\n")
                    .doesNotContain("updraft_rollout_wave_members{");

            JsonNode created = Json.MAPPER.readTree(server.expect(201, server.send("POST", "/api/v1/products/relay/rollouts",
                    "{\"version\":\"2.0.0\",\"waves\":\"canary,100\"}")));
            long id = created.get("id").asLong();
            assertThat(server.expect(200, server.get("/metrics"))).contains("updraft_rollouts{state=\"draft\"} 1.0\n")
                    .doesNotContain("updraft_rollout_wave_members{");
            server.expect(200, server.send("POST", "/api/v1/rollouts/" + id + "/start", null));
            assertThat(checkIn(server, "AA:00:00:00:00:01", "1.0.0").status()).isEqualTo(200);   // the canary gets 2.0.0

            JsonNode progress = Json.MAPPER.readTree(server.get("/api/v1/rollouts/" + id).body()).get("progress");
            String metrics = server.expect(200, server.get("/metrics"));
            String rollout = "product=\"relay\",rollout=\"" + id + "\"";
            assertThat(metrics).contains("updraft_rollouts{state=\"running\"} 1.0\n", "updraft_rollouts{state=\"draft\"} 0.0\n",
                    "updraft_rollout_current_wave{" + rollout + "} 0.0\n",
                    "updraft_rollout_wave_members{" + rollout + ",wave=\"canary\"} 1.0\n",
                    "updraft_rollout_wave_members{" + rollout + ",wave=\"100%\"} 3.0\n",
                    "updraft_rollout_wave_confirmed{" + rollout + ",wave=\"canary\"} 0.0\n",
                    "updraft_rollout_wave_failed{" + rollout + ",wave=\"100%\"} 0.0\n");
            assertThat(progress.get(0).get("members").asInt()).isEqualTo(1);
            assertThat(progress.get(1).get("members").asInt()).isEqualTo(3);

            server.expect(200, server.send("POST", "/api/v1/rollouts/" + id + "/abort", null));
            assertThat(server.expect(200, server.get("/metrics"))).contains("updraft_rollouts{state=\"aborted\"} 1.0\n")
                    .doesNotContain("updraft_rollout_wave_members{", "updraft_rollout_current_wave{");
        }
    }
}

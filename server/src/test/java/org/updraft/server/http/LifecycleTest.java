package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;

/**
 * Ending things through the management API (fleet.Lifecycle): archiving a release and a product,
 * un-holding a release, deleting a device record — each refused with every reason while something
 * still depends on it, each audited, and what was archived stays archived across a restart.
 */
class LifecycleTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(91, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(92, 6_000).build();
    static final byte[] V3 = ImageBuilder.arduino().version("3.0.0").payload(93, 6_000).build();
    static final String A = "AA:00:00:00:00:01";
    static final String B = "AA:00:00:00:00:02";
    static final String C = "AA:00:00:00:00:03";
    static final String D = "AA:00:00:00:00:04";

    static RawHttp.Response checkIn(TestServer server, String mac, String version) throws Exception {
        return RawHttp.exchange(server.port(), "GET /u/relay?mac=" + mac + "&version=" + version + " HTTP/1.0\r\nHost: x\r\n\r\n");
    }

    static String error(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return Json.MAPPER.readTree(r.body()).get("error").asText();
    }

    static JsonNode json(String body) throws Exception {
        return Json.MAPPER.readTree(body);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void refusedWithEveryReasonWhileInUseThenArchivedDeletedAndAudited(TestDatabase kind) throws Exception {
        try (TestServer server = new TestServer(kind)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.expect(201, server.upload("relay", new Multipart().field("version", "2.0.0").field("hold", "true")
                    .file("firmware", "v2.bin", V2)));
            for (String mac : new String[] {A, B, C}) {
                assertThat(checkIn(server, mac, "1.0.0").status()).isEqualTo(304);
            }
            server.expect(200, server.send("PUT", "/api/v1/devices/" + C + "/pin", "{\"version\":\"1.0.0\"}"));
            server.expect(201, server.send("POST", "/api/v1/devices/" + D + "/token", "{\"product\":\"relay\"}"));

            // A release in use: every reason at once.
            assertThat(error(server.send("POST", "/api/v1/products/relay/releases/1.0.0/archive", null), 409))
                    .isEqualTo("release relay 1.0.0 cannot be archived: 3 devices run it (updraft device list --product relay "
                            + "--version 1.0.0); 1 device is pinned to it: " + C + " (updraft device unpin MAC)");

            // A held release with a draft rollout: neither archived nor let go around it.
            long rollout = json(server.expect(201, server.send("POST", "/api/v1/products/relay/rollouts", "{\"version\":\"2.0.0\"}")))
                    .get("id").asLong();
            assertThat(error(server.send("POST", "/api/v1/products/relay/releases/2.0.0/archive", null), 409))
                    .isEqualTo("release relay 2.0.0 cannot be archived: rollout " + rollout + " (draft) uses it (updraft rollout abort "
                            + rollout + ")");
            assertThat(error(server.send("POST", "/api/v1/products/relay/releases/2.0.0/unhold", null), 409))
                    .isEqualTo("release relay 2.0.0 is in rollout " + rollout + " (draft): let the rollout finish, or abort it first "
                            + "(updraft rollout abort " + rollout + ")");
            server.expect(200, server.send("POST", "/api/v1/rollouts/" + rollout + "/abort", null));
            assertThat(error(server.send("POST", "/api/v1/products/relay/releases/2.0.0/unhold", null), 409))
                    .isEqualTo("release relay 2.0.0 was stopped by rollout " + rollout + " (aborted), which keeps it from the fleet; "
                            + "roll it out again to reach more devices (updraft rollout create relay 2.0.0)");

            // A held release no rollout touched: let go, it is the baseline.
            server.expect(201, server.upload("relay", new Multipart().field("version", "3.0.0").field("hold", "true")
                    .file("firmware", "v3.bin", V3)));
            JsonNode unheld = json(server.expect(200, server.send("POST", "/api/v1/products/relay/releases/3.0.0/unhold", null)));
            assertThat(unheld.get("held").asBoolean()).isFalse();
            assertThat(unheld.get("baseline").asBoolean()).isTrue();
            assertThat(error(server.send("POST", "/api/v1/products/relay/releases/3.0.0/unhold", null), 409))
                    .isEqualTo("release 3.0.0 is not held");
            assertThat(checkIn(server, A, "1.0.0").status()).as("the baseline is 3.0.0 now").isEqualTo(200);

            // The product: releases, devices and tokens are in the way.
            assertThat(error(server.send("POST", "/api/v1/products/relay/archive", null), 400))
                    .isEqualTo("archiving product 'relay' cannot be undone: send {\"confirm\": \"relay\"} (its name) to confirm");
            assertThat(error(server.send("POST", "/api/v1/products/relay/archive", "{\"confirm\":\"relay2\"}"), 400))
                    .isEqualTo("archiving product 'relay' cannot be undone: send {\"confirm\": \"relay\"} (its name) to confirm, "
                            + "got 'relay2'");
            assertThat(error(server.send("POST", "/api/v1/products/relay/archive", "{\"confirm\":\"relay\"}"), 409))
                    .isEqualTo("product 'relay' cannot be archived: it has 3 releases: 3.0.0, 2.0.0, 1.0.0 (updraft release archive relay "
                            + "VERSION); 3 devices are registered to it (updraft device list --product relay; updraft device delete "
                            + "MAC, or device move MAC PRODUCT); 1 device token is issued for it: " + D
                            + " (updraft device token revoke MAC)");

            // Device records.
            assertThat(error(server.send("DELETE", "/api/v1/devices/" + D, null), 409))
                    .isEqualTo("device " + D + " has a token for product 'relay'; revoke it first (updraft device token revoke " + D + ")");
            JsonNode deleted = json(server.expect(200, server.send("DELETE", "/api/v1/devices/" + A, null)));
            assertThat(deleted.get("mac").asText()).isEqualTo(A);
            assertThat(server.get("/api/v1/devices/" + A).statusCode()).isEqualTo(404);
            assertThat(error(server.send("DELETE", "/api/v1/devices/" + A, null), 404)).startsWith("no device " + A);
            assertThat(json(server.get("/api/v1/devices?product=relay").body()).get("items")).hasSize(2);

            // 3.0.0 and 2.0.0: nobody runs them (A's record is gone), 2.0.0's rollout is finished: archived.
            server.expect(200, server.send("POST", "/api/v1/products/relay/releases/3.0.0/archive", null));
            JsonNode archived = json(server.expect(200, server.send("POST", "/api/v1/products/relay/releases/2.0.0/archive", null)));
            assertThat(archived.get("version").asText()).isEqualTo("2.0.0");
            JsonNode releases = json(server.get("/api/v1/products/relay/releases").body()).get("items");
            assertThat(releases).hasSize(1);
            assertThat(releases.get(0).get("version").asText()).isEqualTo("1.0.0");
            assertThat(releases.get(0).get("baseline").asBoolean()).isTrue();
            assertThat(server.get("/api/v1/products/relay/releases/2.0.0").statusCode()).isEqualTo(404);
            assertThat(error(server.send("PUT", "/api/v1/devices/" + B + "/pin", "{\"version\":\"2.0.0\"}"), 404))
                    .isEqualTo("product 'relay' has no release 2.0.0");
            assertThat(error(server.upload("relay", "2.0.0", Multipart.file("firmware", V2)), 409))
                    .startsWith("product 'relay' already has release 2.0.0");
            assertThat(checkIn(server, B, "1.0.0").status()).as("1.0.0 is the baseline again").isEqualTo(304);
            // The rollout of the archived release still shows it.
            assertThat(json(server.get("/api/v1/rollouts/" + rollout).body()).get("version").asText()).isEqualTo("2.0.0");

            server.restart();
            assertThat(json(server.get("/api/v1/products/relay/releases").body()).get("items")).hasSize(1);

            // Clear the way and archive the product.
            server.expect(200, server.send("DELETE", "/api/v1/devices/" + C + "/pin", null));
            server.expect(200, server.send("DELETE", "/api/v1/devices/" + D + "/token", null));
            server.expect(200, server.send("DELETE", "/api/v1/devices/" + B, null));
            server.expect(200, server.send("DELETE", "/api/v1/devices/" + C, null));
            server.expect(200, server.send("POST", "/api/v1/products/relay/releases/1.0.0/archive", null));
            JsonNode product = json(server.expect(200, server.send("POST", "/api/v1/products/relay/archive", "{\"confirm\":\"relay\"}")));
            assertThat(product.get("name").asText()).isEqualTo("relay");
            assertThat(error(server.get("/api/v1/products/relay"), 404)).isEqualTo("no product named 'relay'");
            assertThat(json(server.get("/api/v1/products").body()).get("items")).isEmpty();
            assertThat(checkIn(server, B, "1.0.0").status()).isEqualTo(404);
            assertThat(error(server.send("POST", "/api/v1/products", "{\"name\":\"relay\",\"layout\":\"arduino-4m\"}"), 409))
                    .isEqualTo("product 'relay' already exists");
            server.restart();
            assertThat(server.get("/api/v1/products/relay").statusCode()).isEqualTo(404);
            assertThat(json(server.get("/api/v1/rollouts").body()).get("items").get(0).get("product").asText()).isEqualTo("relay");

            // Every change is in the audit log, with what it changed.
            String audit = server.get("/api/v1/audit?limit=100").body();
            assertThat(audit).contains("\"action\":\"POST /api/v1/products/{product}/archive\",\"target\":\"product=relay\"",
                    "\"action\":\"POST /api/v1/products/{product}/releases/{version}/archive\",\"target\":\"product=relay version=2.0.0\"",
                    "\"action\":\"POST /api/v1/products/{product}/releases/{version}/unhold\",\"target\":\"product=relay version=2.0.0\"",
                    "\"action\":\"DELETE /api/v1/devices/{mac}\",\"target\":\"mac=" + A + "\"");
        }
    }
}

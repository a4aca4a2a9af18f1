package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.testsupport.Multipart;

/**
 * {@code GET /api/v1/overview}: what the dashboard's overview page shows, aggregated by the
 * database — devices by running version and last seen, update outcomes over time, and the devices
 * that need attention (failed, rolled back, refused for free space, running an unknown image).
 */
class OverviewTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(91, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(92, 6_000).build();

    static int checkIn(TestServer server, String mac, String version) throws Exception {
        return RawHttp.exchange(server.port(), "GET /u/relay?mac=" + mac + "&version=" + version + " HTTP/1.0\r\nHost: x\r\n\r\n").status();
    }

    static String report(TestServer server, String mac, String status, String detail) {
        return server.expect(200, server.send("POST", "/u/relay/report", "{\"mac\":\"" + mac + "\",\"status\":\"" + status
                + "\",\"version\":\"2.0.0\",\"detail\":\"" + detail + "\"}"));
    }

    /**
     * Waits (at most 10 s) until the server has counted the download it answered {@code mac}: the
     * test's client has the whole body before the server's thread books the transfer, and a report
     * that arrives first would find no attempt to fail (a real device reports after its reboot).
     */
    static void awaitDownloadBooked(TestServer server, String mac) throws Exception {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            for (JsonNode u : Json.MAPPER.readTree(server.expect(200, server.get("/api/v1/devices/" + mac))).get("updates")) {
                if (u.get("attempts").asInt() >= 1) {
                    return;
                }
            }
            if (System.nanoTime() > until) {
                throw new AssertionError("the server did not book the download to " + mac + " within 10 s");
            }
            Thread.sleep(20);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void overviewCountsVersionsSeenOutcomesAndDevicesThatNeedAttention(TestDatabase kind) throws Exception {
        try (TestServer server = new TestServer(kind)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.expect(201, server.upload("relay", new Multipart().field("version", "2.0.0").field("hold", "true")
                    .file("firmware", "v2.bin", V2)));
            for (String mac : List.of("AA:00:00:00:00:01", "AA:00:00:00:00:02", "AA:00:00:00:00:03")) {
                assertThat(checkIn(server, mac, "1.0.0")).isEqualTo(304);
            }
            assertThat(checkIn(server, "AA:00:00:00:00:04", "0.9.0")).isEqualTo(200);  // an image no release has; offered 1.0.0
            JsonNode created = Json.MAPPER.readTree(server.expect(201, server.send("POST", "/api/v1/products/relay/rollouts?start=true",
                    "{\"version\":\"2.0.0\",\"waves\":\"100\",\"maxAttempts\":1,\"failureThreshold\":1.0,\"successThreshold\":1.0}")));
            assertThat(created.get("state").asText()).isEqualTo("running");

            assertThat(checkIn(server, "AA:00:00:00:00:01", "1.0.0")).isEqualTo(200);
            assertThat(checkIn(server, "AA:00:00:00:00:01", "2.0.0")).isEqualTo(304);
            report(server, "AA:00:00:00:00:01", "ok", "");                                   // confirmed
            assertThat(checkIn(server, "AA:00:00:00:00:03", "1.0.0")).isEqualTo(200);
            assertThat(checkIn(server, "AA:00:00:00:00:03", "2.0.0")).isEqualTo(304);
            assertThat(checkIn(server, "AA:00:00:00:00:03", "1.0.0")).isEqualTo(304);       // ran it, came back: rolled back
            assertThat(checkIn(server, "AA:00:00:00:00:02", "1.0.0")).isEqualTo(200);
            awaitDownloadBooked(server, "AA:00:00:00:00:02");
            report(server, "AA:00:00:00:00:02", "error", "flash write failed");              // its one attempt: failed
            String small = "GET /u/relay HTTP/1.0\r\nHost: x\r\nx-ESP8266-STA-MAC: AA:00:00:00:00:05\r\nx-ESP8266-version: 1.0.0\r\n"
                    + "x-ESP8266-free-space: 1000\r\nx-ESP8266-chip-size: 4194304\r\nx-ESP8266-mode: sketch\r\n\r\n";
            assertThat(RawHttp.exchange(server.port(), small).status()).isEqualTo(409);  // 2.0.0 does not fit its free space

            JsonNode o = Json.MAPPER.readTree(server.expect(200, server.get("/api/v1/overview")));
            JsonNode relay = o.get("products").get(0);
            assertThat(o.get("products")).hasSize(1);
            assertThat(relay.get("product").asText()).isEqualTo("relay");
            assertThat(relay.get("devices").asLong()).isEqualTo(5);
            assertThat(relay.get("versions").toString()).isEqualTo("[{\"version\":\"1.0.0\",\"release\":true,\"devices\":3},"
                    + "{\"version\":\"0.9.0\",\"release\":false,\"devices\":1},{\"version\":\"2.0.0\",\"release\":true,\"devices\":1}]");
            assertThat(relay.get("seen").toString()).isEqualTo("{\"lastHour\":5,\"lastDay\":0,\"older\":0}");
            assertThat(o.get("seen").toString()).isEqualTo("{\"lastHour\":5,\"lastDay\":0,\"older\":0}");

            JsonNode hourly = o.get("outcomes").get("hourly");
            JsonNode daily = o.get("outcomes").get("daily");
            assertThat(hourly).hasSize(24);
            assertThat(daily).hasSize(30);
            assertThat(totals(hourly)).isEqualTo(List.of(1L, 1L, 1L));
            assertThat(totals(daily)).isEqualTo(List.of(1L, 1L, 1L));
            assertThat(hourly.get(23).get("confirmed").asLong() + hourly.get(23).get("failed").asLong()
                    + hourly.get(23).get("rolledBack").asLong()).isEqualTo(3);               // all in the current hour
            assertThat(daily.get(29).get("start").asText()).endsWith("T00:00:00Z");

            JsonNode a = o.get("attention");
            assertThat(List.of(a.get("failed").asLong(), a.get("rolledBack").asLong(), a.get("silent").asLong(),
                    a.get("refused").asLong(), a.get("unknownImage").asLong())).isEqualTo(List.of(1L, 1L, 0L, 1L, 1L));
            List<String> concerns = new ArrayList<>();
            a.get("devices").forEach(d -> concerns.add(d.get("mac").asText() + " " + d.get("kind").asText() + " " + d.get("detail").asText()));
            assertThat(concerns).containsExactlyInAnyOrder(
                    "AA:00:00:00:00:02 failed device reported an error: flash write failed (attempt 1 of 1)",
                    "AA:00:00:00:00:03 rolled-back ran 2.0.0, came back on 1.0.0",
                    "AA:00:00:00:00:05 refused insufficient-space: image is " + V2.length + " bytes; device has 1000 bytes free",
                    "AA:00:00:00:00:04 unknown-image runs 0.9.0, which is no release of its product");

            // A viewer may read it; no token may not.
            String viewer = server.token("dash", "viewer");
            assertThat(server.sendAs(viewer, "GET", "/api/v1/overview", null).statusCode()).isEqualTo(200);
            assertThat(server.sendAs(null, "GET", "/api/v1/overview", null).statusCode()).isEqualTo(401);
        }
    }

    /** Confirmed, failed, rolled back summed over the buckets. */
    static List<Long> totals(JsonNode buckets) {
        long c = 0;
        long f = 0;
        long r = 0;
        for (JsonNode b : buckets) {
            c += b.get("confirmed").asLong();
            f += b.get("failed").asLong();
            r += b.get("rolledBack").asLong();
        }
        return List.of(c, f, r);
    }
}

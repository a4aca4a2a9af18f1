package org.updraft.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.http.Json;

/**
 * Device identity across products (README "Device identity"): a device record belongs to one
 * product; a check-in or a report at another product's URL never rewrites the record of a device
 * whose product enrolls; "ok" confirms only what the server has seen running. Over a real socket,
 * as the stock clients and firmware send it.
 */
class DeviceIdentityTest {

    /** Enrolled by token in "secure". */
    static final String S = "DE:BA:7A:B1:E0:5E";
    /** A device of the open product "relay". */
    static final String O = "DE:BA:7A:B1:E0:0E";
    static final byte[] FW = ImageBuilder.arduino().version("2.0.0").payload(61, 8_000).build();

    TestServer server;
    String token;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        for (String p : new String[] {"secure", "relay", "lamp"}) {
            server.product(p, "arduino-4m");
            server.uploadOk(p, "2.0.0", Multipart.file("firmware", FW));
        }
        server.expect(200, server.send("PUT", "/api/v1/products/secure/policy", "{\"enrollment\":\"token\"}"));
        token = Json.MAPPER.readTree(server.expect(201, server.send("POST", "/api/v1/devices/" + S + "/token",
                "{\"product\":\"secure\"}"))).get("token").asText();
        // S downloads 2.0.0 and still runs 1.0.0: its update is "downloaded".
        RawHttp.Response fetched = checkIn("/u/secure", S, "1.0.0", "Bearer " + token);
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(FW);
        assertThat(updateState(S)).isEqualTo("downloaded");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    RawHttp.Response checkIn(String path, String mac, String version, String authorization) throws Exception {
        return RawHttp.exchange(server.port(), "GET " + path + " HTTP/1.0\r\n"
                + "User-Agent: ESP8266-http-Update\r\n"
                + "x-ESP8266-STA-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 1000000\r\n"
                + "x-ESP8266-chip-size: 4194304\r\n"
                + "x-ESP8266-mode: sketch\r\n"
                + "x-ESP8266-version: " + version + "\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "\r\n");
    }

    HttpResponse<String> report(String product, String body, String authorization) {
        return authorization == null
                ? server.send("POST", "/u/" + product + "/report", "application/json", body.getBytes())
                : server.send("POST", "/u/" + product + "/report", "application/json", body.getBytes(), "Authorization", authorization);
    }

    JsonNode device(String mac) throws Exception {
        return Json.MAPPER.readTree(server.expect(200, server.get("/api/v1/devices/" + mac)));
    }

    String updateState(String mac) throws Exception {
        server.server().updates().flush();
        return device(mac).get("updates").get(0).get("state").asText();
    }

    @Test
    void aReportThroughAnOpenProductCannotRollBackAnotherProductsDevice() throws Exception {
        JsonNode before = device(S);
        var r = report("relay", "{\"mac\":\"" + S + "\",\"status\":\"rolled_back\"}", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.headers().firstValue("X-Updraft-Reason").orElseThrow())
                .isEqualTo("not-enrolled: device " + S + " is registered to another product; it reports at the URL of its own product");
        assertThat(r.body()).doesNotContain("secure");
        var ok = report("relay", "{\"mac\":\"" + S + "\",\"status\":\"ok\",\"version\":\"2.0.0\"}", null);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(403);
        assertThat(updateState(S)).isEqualTo("downloaded");
        assertThat(device(S)).isEqualTo(before);
        // Reports are counted as reports, not as check-ins.
        assertThat(server.get("/metrics").body()).contains("updraft_reports_total{outcome=\"not-enrolled\"} 2.0")
                .contains("updraft_checkins_total{outcome=\"not-enrolled\"} 0.0");
    }

    @Test
    void okConfirmsOnlyAnUpdateTheServerHasSeenRunning() throws Exception {
        var early = report("secure", "{\"mac\":\"" + S + "\",\"status\":\"ok\"}", "Bearer " + token);
        assertThat(early.statusCode()).as(early.body()).isEqualTo(200);
        JsonNode said = Json.MAPPER.readTree(early.body());
        assertThat(said.get("state").asText()).isEqualTo("downloaded");
        assertThat(said.get("confirmed").asBoolean()).isFalse();
        assertThat(said.get("reason").asText()).isEqualTo("recorded, not confirmed: the server has not seen device " + S
                + " running 2.0.0 (a check-in whose image hash or version is the release); its next check-in on it installs it");
        assertThat(updateState(S)).isEqualTo("downloaded");

        assertThat(checkIn("/u/secure", S, "2.0.0", "Bearer " + token).status()).isEqualTo(304);
        assertThat(updateState(S)).isEqualTo("installed");
        var seen = report("secure", "{\"mac\":\"" + S + "\",\"status\":\"ok\"}", "Bearer " + token);
        assertThat(Json.MAPPER.readTree(seen.body()).get("state").asText()).isEqualTo("confirmed");
        assertThat(Json.MAPPER.readTree(seen.body()).has("confirmed")).isFalse();
        assertThat(updateState(S)).isEqualTo("confirmed");
    }

    @Test
    void aReportForAnUnknownDeviceIsRefused() throws Exception {
        var r = report("relay", "{\"mac\":\"DE:BA:7A:B1:E0:99\",\"status\":\"ok\"}", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("device DE:BA:7A:B1:E0:99 has never checked in at product 'relay'");
        assertThat(server.get("/api/v1/devices/DE:BA:7A:B1:E0:99").statusCode()).isEqualTo(404);
    }

    @Test
    void anOpenCheckInCannotTakeOverAnEnrolledDevice() throws Exception {
        JsonNode before = device(S);
        for (String path : new String[] {"/u/relay", "/u/relay/version?mac=" + S}) {
            RawHttp.Response r = path.contains("?") ? RawHttp.exchange(server.port(), "GET " + path + " HTTP/1.0\r\n\r\n")
                    : checkIn(path, S, "0.1.0", null);
            assertThat(r.status()).as(path).isEqualTo(403);
            assertThat(r.header("X-Updraft-Reason")).isEqualTo("not-enrolled: device " + S
                    + " is registered to another product; an operator moves devices between products");
            assertThat(r.body()).isEmpty();
        }
        assertThat(RawHttp.exchange(server.port(), "GET /u/relay/user1.bin?mac=" + S + " HTTP/1.0\r\n\r\n").raw()).isEmpty();
        JsonNode after = device(S);
        assertThat(after).isEqualTo(before);
        assertThat(after.get("product").asText()).isEqualTo("secure");
        assertThat(after.get("runningVersion").asText()).isEqualTo("1.0.0");
        // Its own product still admits it with its token.
        assertThat(checkIn("/u/secure", S, "2.0.0", "Bearer " + token).status()).isEqualTo(304);
    }

    @Test
    void aTokenClaimsTheDeviceBeforeItsFirstCheckIn() throws Exception {
        String fresh = "DE:BA:7A:B1:E0:5F";
        server.expect(201, server.send("POST", "/api/v1/devices/" + fresh + "/token", "{\"product\":\"secure\"}"));
        assertThat(checkIn("/u/relay", fresh, "1.0.0", null).status()).isEqualTo(403);
        assertThat(server.get("/api/v1/devices/" + fresh).statusCode()).isEqualTo(404);
    }

    @Test
    void anAllowlistedDeviceIsNotTakenOverEither() throws Exception {
        server.expect(200, server.send("PUT", "/api/v1/products/lamp/policy", "{\"enrollment\":\"allowlist\"}"));
        server.expect(200, server.send("PUT", "/api/v1/products/lamp/allowlist", "{\"macs\":[\"" + O + "\"]}"));
        assertThat(checkIn("/u/lamp", O, "1.0.0", null).status()).isEqualTo(200);
        assertThat(checkIn("/u/relay", O, "1.0.0", null).status()).isEqualTo(403);
        assertThat(device(O).get("product").asText()).isEqualTo("lamp");
    }

    @Test
    void betweenOpenProductsACheckInMovesTheDeviceAndDropsItsPin() throws Exception {
        assertThat(checkIn("/u/relay", O, "1.0.0", null).status()).isEqualTo(200);
        server.expect(200, server.send("PUT", "/api/v1/devices/" + O + "/pin", "{\"version\":\"2.0.0\"}"));
        assertThat(checkIn("/u/lamp", O, "2.0.0", null).status()).isEqualTo(304);
        JsonNode d = device(O);
        assertThat(d.get("product").asText()).isEqualTo("lamp");
        assertThat(d.path("pinnedVersion").isTextual()).as("the pin was a release of relay").isFalse();
        assertThat(server.server().devices().pinnedRelease(O)).isNull();
    }

    @Test
    void anOperatorMovesADeviceAndItsTokenExplicitly() throws Exception {
        var conflict = server.send("POST", "/api/v1/devices/" + S + "/token", "{\"product\":\"lamp\"}");
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.body()).contains("device " + S + " belongs to product 'secure'; move it first (PUT /api/v1/devices/"
                + S + "/product");

        assertThat(server.send("PUT", "/api/v1/devices/" + S + "/product", "{}").statusCode()).isEqualTo(400);
        assertThat(server.send("PUT", "/api/v1/devices/" + S + "/product", "{\"product\":\"nope\"}").statusCode()).isEqualTo(404);
        assertThat(server.send("PUT", "/api/v1/devices/DE:BA:7A:B1:E0:98/product", "{\"product\":\"lamp\"}").statusCode())
                .isEqualTo(404);
        server.expect(200, server.send("PUT", "/api/v1/products/lamp/policy", "{\"enrollment\":\"token\"}"));
        JsonNode moved = Json.MAPPER.readTree(server.expect(200, server.send("PUT", "/api/v1/devices/" + S + "/product",
                "{\"product\":\"lamp\"}")));
        assertThat(moved.get("product").asText()).isEqualTo("lamp");
        assertThat(Json.MAPPER.readTree(server.get("/api/v1/devices/" + S + "/token").body()).get("product").asText())
                .isEqualTo("lamp");
        assertThat(checkIn("/u/lamp", S, "1.0.0", "Bearer " + token).status()).as("the device keeps its secret").isEqualTo(200);
        assertThat(checkIn("/u/secure", S, "1.0.0", "Bearer " + token).status()).isEqualTo(403);
        assertThat(server.get("/api/v1/audit?limit=1000").body()).contains("PUT /api/v1/devices/{mac}/product")
                .contains("product=lamp");
    }

    @Test
    void aDeviceKnownOnlyByItsTokenCanBeMoved() throws Exception {
        String t = "DE:BA:7A:B1:E0:71";
        server.expect(201, server.send("POST", "/api/v1/devices/" + t + "/token", "{\"product\":\"secure\"}"));
        assertThat(server.send("POST", "/api/v1/devices/" + t + "/token", "{\"product\":\"lamp\"}").statusCode()).isEqualTo(409);
        JsonNode moved = Json.MAPPER.readTree(server.expect(200, server.send("PUT", "/api/v1/devices/" + t + "/product",
                "{\"product\":\"lamp\"}")));
        assertThat(moved.get("mac").asText()).isEqualTo(t);
        assertThat(moved.get("product").asText()).isEqualTo("lamp");
        String lampToken = Json.MAPPER.readTree(server.expect(201, server.send("POST", "/api/v1/devices/" + t + "/token",
                "{\"product\":\"lamp\"}"))).get("token").asText();
        assertThat(checkIn("/u/lamp", t, "1.0.0", "Bearer " + lampToken).status()).isEqualTo(200);
        assertThat(device(t).get("product").asText()).isEqualTo("lamp");
    }

    @Test
    void aRevokedTokenOwnsNoDevice() throws Exception {
        String now = "DE:BA:7A:B1:E0:72";
        String later = "DE:BA:7A:B1:E0:73";
        for (String mac : new String[] {now, later}) {
            server.expect(201, server.send("POST", "/api/v1/devices/" + mac + "/token", "{\"product\":\"secure\"}"));
            server.expect(200, server.send("DELETE", "/api/v1/devices/" + mac + "/token", null));
        }
        assertThat(server.send("POST", "/api/v1/devices/" + now + "/token", "{\"product\":\"lamp\"}").statusCode())
                .as("released at once").isEqualTo(201);
        server.restart();
        assertThat(server.send("POST", "/api/v1/devices/" + later + "/token", "{\"product\":\"lamp\"}").statusCode())
                .as("and after a restart").isEqualTo(201);
        // A device with a record keeps its product when its token is revoked.
        server.expect(200, server.send("DELETE", "/api/v1/devices/" + S + "/token", null));
        assertThat(server.send("POST", "/api/v1/devices/" + S + "/token", "{\"product\":\"lamp\"}").statusCode()).isEqualTo(409);
    }
}

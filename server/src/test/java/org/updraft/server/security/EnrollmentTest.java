package org.updraft.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.http.Json;

/**
 * Device enrollment: open, allowlist and token products, over the raw bytes stock clients send.
 * Object-level authorization: the token of device A never admits a request naming device B.
 */
class EnrollmentTest {

    static final String A = "DE:BA:7A:B1:E0:0A";
    static final String B = "DE:BA:7A:B1:E0:0B";
    static final byte[] FW = ImageBuilder.arduino().version("2.0.0").payload(31, 8_000).build();

    TestServer server;

    @BeforeEach
    void start() {
        server = new TestServer();
        server.product("relay", "arduino-4m");
        server.product("lamp", "arduino-4m");
        server.product("wifi", "nonos-512k");
        server.uploadOk("relay", "2.0.0", Multipart.file("firmware", FW));
        server.uploadOk("wifi", "2", Multipart.file("user1", ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(3, 6_000).build()),
                Multipart.file("user2", ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(4, 6_000).build()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** ESP8266httpUpdate's request, with an optional Authorization header. */
    RawHttp.Response checkIn(String path, String mac, String authorization) throws Exception {
        return RawHttp.exchange(server.port(), "GET " + path + " HTTP/1.0\r\n"
                + "User-Agent: ESP8266-http-Update\r\n"
                + "x-ESP8266-STA-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 1000000\r\n"
                + "x-ESP8266-chip-size: 4194304\r\n"
                + "x-ESP8266-mode: sketch\r\n"
                + "x-ESP8266-version: 1.0.0\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "\r\n");
    }

    String issue(String mac, String product) throws Exception {
        JsonNode t = Json.MAPPER.readTree(server.expect(201, server.send("POST", "/api/v1/devices/" + mac + "/token",
                "{\"product\":\"" + product + "\"}")));
        assertThat(t.get("mac").asText()).isEqualTo(mac);
        assertThat(t.get("product").asText()).isEqualTo(product);
        return t.get("token").asText();
    }

    void enrollment(String product, String mode) {
        server.expect(200, server.send("PUT", "/api/v1/products/" + product + "/policy", "{\"enrollment\":\"" + mode + "\"}"));
    }

    @Test
    void openProductsServeAnyMacAsToday() throws Exception {
        assertThat(checkIn("/u/relay", A, null).status()).isEqualTo(200);
    }

    @Test
    void tokenProductsAdmitADeviceWithItsOwnTokenOnly() throws Exception {
        enrollment("relay", "token");
        String tokenA = issue(A, "relay");
        String tokenB = issue(B, "relay");
        assertThat(tokenA).startsWith("udt_").hasSize(47).isNotEqualTo(tokenB);

        RawHttp.Response none = checkIn("/u/relay", A, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("X-Updraft-Reason")).startsWith("unauthenticated: product 'relay' requires the device's token");
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"updraft-device\"");
        assertThat(none.body()).isEmpty();

        RawHttp.Response bearer = checkIn("/u/relay", A, "Bearer " + tokenA);
        assertThat(bearer.status()).isEqualTo(200);
        assertThat(bearer.body()).isEqualTo(FW);
        assertThat(checkIn("/u/relay?token=" + tokenA, A, null).status()).isEqualTo(200);
        String basic = Base64.getEncoder().encodeToString((A + ":" + tokenA).getBytes(StandardCharsets.UTF_8));
        assertThat(checkIn("/u/relay", A, "Basic " + basic).status()).isEqualTo(200);

        // Object-level authorization: A's token with B's MAC, and B's with A's.
        RawHttp.Response crossed = checkIn("/u/relay", B, "Bearer " + tokenA);
        assertThat(crossed.status()).isEqualTo(401);
        assertThat(crossed.header("X-Updraft-Reason")).isEqualTo("unauthenticated: the token is not the token of device " + B);
        assertThat(crossed.body()).isEmpty();
        assertThat(checkIn("/u/relay?token=" + tokenB, A, null).status()).isEqualTo(401);
        assertThat(RawHttp.exchange(server.port(), "GET /u/relay/version?mac=" + B + "&token=" + tokenA + " HTTP/1.0\r\n\r\n").status())
                .as("/version tells B's assignment only to B").isEqualTo(401);
        assertThat(RawHttp.exchange(server.port(), "GET /u/relay/version?mac=" + B + "&token=" + tokenB + " HTTP/1.0\r\n\r\n")
                .body()).asString().isEqualTo("2.0.0");

        // A token of another device's product, and an unknown device.
        String tokenLamp = issue("DE:BA:7A:B1:E0:0C", "lamp");
        RawHttp.Response otherProduct = checkIn("/u/relay", "DE:BA:7A:B1:E0:0C", "Bearer " + tokenLamp);
        assertThat(otherProduct.status()).isEqualTo(403);
        assertThat(otherProduct.header("X-Updraft-Reason")).isEqualTo("not-enrolled: device DE:BA:7A:B1:E0:0C is enrolled for "
                + "product 'lamp', not 'relay'");
        RawHttp.Response unknown = checkIn("/u/relay", "DE:BA:7A:B1:E0:0D", "Bearer " + tokenA);
        assertThat(unknown.status()).isEqualTo(403);
        assertThat(unknown.header("X-Updraft-Reason")).startsWith("not-enrolled: device DE:BA:7A:B1:E0:0D has no token");
        assertThat(server.get("/api/v1/devices/DE:BA:7A:B1:E0:0D").statusCode()).as("refused devices are not registered")
                .isEqualTo(404);

        // Revocation, and a new token.
        JsonNode revoked = Json.MAPPER.readTree(server.expect(200, server.send("DELETE", "/api/v1/devices/" + A + "/token", null)));
        assertThat(revoked.get("revokedAt").isNull()).isFalse();
        assertThat(revoked.has("token")).isFalse();
        RawHttp.Response r = checkIn("/u/relay", A, "Bearer " + tokenA);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("X-Updraft-Reason")).startsWith("revoked: the token of device " + A + " was revoked at ");
        assertThat(server.send("DELETE", "/api/v1/devices/" + A + "/token", null).statusCode()).isEqualTo(409);
        String fresh = issue(A, "relay");
        assertThat(checkIn("/u/relay", A, "Bearer " + fresh).status()).isEqualTo(200);
        assertThat(checkIn("/u/relay", A, "Bearer " + tokenA).status()).as("the old token stays dead").isEqualTo(401);
    }

    @Test
    void theReportEndpointChecksTheTokenOfTheMacInTheBody() throws Exception {
        enrollment("relay", "token");
        String tokenA = issue(A, "relay");
        issue(B, "relay");
        assertThat(checkIn("/u/relay", A, "Bearer " + tokenA).status()).isEqualTo(200);
        var forged = server.send("POST", "/u/relay/report", "application/json",
                ("{\"mac\":\"" + B + "\",\"status\":\"error\"}").getBytes(), "Authorization", "Bearer " + tokenA);
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.headers().firstValue("X-Updraft-Reason").orElseThrow()).contains("not the token of device " + B);
        var own = server.send("POST", "/u/relay/report", "application/json",
                ("{\"mac\":\"" + A + "\",\"status\":\"ok\"}").getBytes(), "Authorization", "Bearer " + tokenA);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    }

    @Test
    void nonosRefusalsCloseTheConnectionWithoutAByte() throws Exception {
        enrollment("wifi", "token");
        String token = issue(A, "wifi");
        RawHttp.Response none = RawHttp.exchange(server.port(), "GET /u/wifi/user2.bin?mac=" + A + "&version=1 HTTP/1.0\r\n\r\n");
        assertThat(none.raw()).isEmpty();
        RawHttp.Response crossed = RawHttp.exchange(server.port(), "GET /u/wifi/user2.bin?mac=" + B + "&version=1&token=" + token
                + " HTTP/1.0\r\n\r\n");
        assertThat(crossed.raw()).isEmpty();
        RawHttp.Response ok = RawHttp.exchange(server.port(), "GET /u/wifi/user2.bin?mac=" + A + "&version=1&token=" + token
                + " HTTP/1.0\r\n\r\n");
        assertThat(ok.status()).isEqualTo(200);
    }

    @Test
    void allowlistProductsAdmitListedMacsOnly() throws Exception {
        enrollment("relay", "allowlist");
        assertThat(checkIn("/u/relay", A, null).status()).isEqualTo(403);
        JsonNode list = Json.MAPPER.readTree(server.expect(200, server.send("PUT", "/api/v1/products/relay/allowlist",
                "{\"macs\":[\"de-ba-7a-b1-e0-0a\"]}")));
        assertThat(list.get("macs").get(0).asText()).isEqualTo(A);
        assertThat(checkIn("/u/relay", A, null).status()).isEqualTo(200);
        RawHttp.Response b = checkIn("/u/relay", B, null);
        assertThat(b.status()).isEqualTo(403);
        assertThat(b.header("X-Updraft-Reason")).isEqualTo("not-enrolled: device " + B + " is not on the allowlist of product 'relay'");
        RawHttp.Response anonymous = RawHttp.exchange(server.port(), "GET /u/relay HTTP/1.0\r\n\r\n");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("X-Updraft-Reason")).contains("identify the device");
        var bad = server.send("PUT", "/api/v1/products/relay/allowlist", "{\"macs\":[\"" + A + "\",\"nope\"]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("macs[1]: 'nope' is not a MAC address");
        assertThat(Json.MAPPER.readTree(server.get("/api/v1/products/relay/allowlist").body()).get("macs")).hasSize(1);
    }

    @Test
    void aTokenForADeviceThatNeverCheckedInNeedsItsProduct() throws Exception {
        var r = server.send("POST", "/api/v1/devices/" + A + "/token", null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("has not checked in yet, so its product is unknown");
        assertThat(checkIn("/u/relay", A, null).status()).isEqualTo(200);
        assertThat(server.send("POST", "/api/v1/devices/" + A + "/token", null).statusCode()).isEqualTo(201);
        var state = Json.MAPPER.readTree(server.get("/api/v1/devices/" + A + "/token").body());
        assertThat(state.get("product").asText()).isEqualTo("relay");
        assertThat(state.has("token")).isFalse();
        var stored = server.server().database().jdbi().withHandle(h -> h.createQuery("SELECT token_hash FROM device_token")
                .mapTo(String.class).list());
        assertThat(stored).hasSize(1).allMatch(s -> s.matches("[0-9a-f]{64}"));
    }
}

package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;

/** The management API's JSON answers and its error messages. */
class ManagementApiTest {

    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
        server.product("relay", "arduino-4m");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void createdProductIsShownWithItsLayoutDefaults() throws Exception {
        var r = server.send("POST", "/api/v1/products", "{\"name\":\"wifi-plug\",\"chip\":\"esp8266\",\"layout\":\"nonos-1m\"}");
        assertThat(r.statusCode()).isEqualTo(201);
        var p = Json.MAPPER.readTree(r.body());
        assertThat(p.get("name").asText()).isEqualTo("wifi-plug");
        assertThat(p.get("chip").asText()).isEqualTo("esp8266");
        assertThat(p.get("kind").asText()).isEqualTo("nonos");
        assertThat(p.get("layout").asText()).isEqualTo("nonos-1m");
        assertThat(p.get("flashSize").asLong()).isEqualTo(1_048_576);
        assertThat(p.get("slotSize").asLong()).isEqualTo(0x7A000);
        assertThat(p.get("updatePath").isNull()).isTrue();
        assertThat(server.get("/api/v1/products/wifi-plug").body()).isEqualTo(r.body());
        assertThat(server.get("/api/v1/products").body()).contains("\"name\":\"wifi-plug\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"name\":\"Relay!\",\"layout\":\"arduino-4m\"}|400|product name 'Relay!' is not valid",
            "{\"name\":\"relay\",\"layout\":\"arduino-4m\"}|409|product 'relay' already exists",
            "{\"name\":\"x1\",\"layout\":\"nonos-2m\"}|400|unknown flash layout 'nonos-2m'; valid: nonos-512k",
            "{\"name\":\"x2\"}|400|layout is required",
            "{\"name\":\"x3\",\"layout\":\"esp32-4m\",\"chip\":\"esp8266\"}|400|chip esp8266 does not match layout esp32-4m",
            "{\"name\":\"x4\",\"layout\":\"arduino-4m\",\"kind\":\"nonos\"}|400|kind nonos does not fit layout arduino-4m",
            "{\"name\":\"x5\",\"layout\":\"arduino-4m\",\"slotSize\":99999999}|400|slotSize 99999999 must be between 1 and 1044464",
            "{\"name\":\"x6\",\"layout\":\"arduino-4m\",\"updatePath\":\"/api/evil\"}|400|updatePath '/api/evil' is not valid",
            "{\"name\":\"x7\",\"layout\":\"arduino-4m\",\"updatePath\":\"/a/../b\"}|400|updatePath '/a/../b' is not valid",
            "{\"name\":\"x8\",\"layout\":\"arduino-4m\",\"colour\":\"red\"}|400|unknown field 'colour'",
            "{\"name\":\"x9\",\"layout\":|400|malformed JSON",
    })
    void badProductsAreRefusedWithTheReason(String body, int status, String message) throws Exception {
        var r = server.send("POST", "/api/v1/products", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        var json = Json.MAPPER.readTree(r.body());
        assertThat(json.get("error").asText()).contains(message);
        assertThat(json.get("status").asInt()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void wrongContentTypeIs415() {
        var r = server.send("POST", "/api/v1/products", null);
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(r.body()).contains("expected Content-Type: application/json, got none");
    }

    @Test
    void unknownPathsAndMethodsAreAnsweredInJson() {
        var missing = server.get("/api/v1/nothing");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"error\":\"no such resource: /api/v1/nothing (see /api/openapi.yaml)\",\"status\":404}");
        var method = server.send("DELETE", "/api/v1/products", null);
        assertThat(method.statusCode()).isEqualTo(405);
        assertThat(method.headers().firstValue("Allow")).as("HEAD is answered wherever GET is").hasValue("POST, GET, HEAD");
    }

    @Test
    void devicesAreListedAndFiltered() throws Exception {
        byte[] fw = ImageBuilder.arduino().version("3.0.0").payload(51, 6_000).build();
        server.uploadOk("relay", "3.0.0", Multipart.file("firmware", fw));
        for (String q : new String[] {"mac=AA:00:00:00:00:01&version=1.0", "mac=aa-00-00-00-00-02&version=3.0.0"}) {
            RawHttp.exchange(server.port(), "GET /u/relay?" + q + " HTTP/1.0\r\nHost: x\r\n\r\n");
        }
        var all = Json.MAPPER.readTree(server.get("/api/v1/devices?product=relay").body()).get("items");
        assertThat(all).hasSize(2);
        assertThat(all.get(0).get("mac").asText()).isEqualTo("AA:00:00:00:00:01");
        assertThat(all.get(0).get("lastOutcome").asText()).isEqualTo("update");
        assertThat(all.get(1).get("mac").asText()).isEqualTo("AA:00:00:00:00:02");
        assertThat(all.get(1).get("lastOutcome").asText()).isEqualTo("up-to-date");
        assertThat(all.get(1).get("timeline")).isEmpty();

        var v3 = Json.MAPPER.readTree(server.get("/api/v1/devices?version=3.0.0").body()).get("items");
        assertThat(v3).hasSize(1);
        var byMac = Json.MAPPER.readTree(server.get("/api/v1/devices?q=00:02").body()).get("items");
        assertThat(byMac).hasSize(1);

        assertThat(server.get("/api/v1/devices?product=nosuch").statusCode()).isEqualTo(404);
        assertThat(server.get("/api/v1/devices/AA:00:00:00:00:99").statusCode()).isEqualTo(404);
        var bad = server.get("/api/v1/devices/not-a-mac");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'not-a-mac' is not a MAC address");
        var pinUnknown = server.send("PUT", "/api/v1/devices/AA:00:00:00:00:01/pin", "{\"version\":\"9.9\"}");
        assertThat(pinUnknown.statusCode()).isEqualTo(404);
        assertThat(pinUnknown.body()).contains("product 'relay' has no release 9.9");
    }

    @Test
    void healthAndMetrics() {
        var health = server.get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        // Open to anyone: only what a load balancer needs, never the database URL (user, password) or paths.
        assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
        var metrics = server.get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("# TYPE updraft_checkins_total counter").contains("updraft_downloads_in_flight");
    }
}

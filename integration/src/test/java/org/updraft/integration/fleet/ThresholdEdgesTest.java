package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.ScaledServer;
import org.updraft.device.fleet.Firmware;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.fleet.RolloutStatus;
import org.updraft.device.fleet.ServerApi;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * Issue 5: "Thresholds at their exact edges (a wave at exactly the success threshold advances;
 * one failure over the failure threshold halts)". Scripted check-ins over real sockets: ten
 * canaries each download the release ({@code ?mac=&version=}, as esp_https_ota asks), then
 * report, one at a time.
 */
class ThresholdEdgesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    UpdraftServer server;
    ServerApi api;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        ScaledServer.quiet();
        server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null).withClock(Clock.systemUTC())
                .withAdminToken(ScaledServer.token()));
        api = new ServerApi(server.baseUri(), ScaledServer.token());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aWaveAtExactlyTheSuccessThresholdAdvancesOneBelowDoesNot() throws Exception {
        List<String> canaries = fleetOfTenCanaries("edge-success");
        long id = rollout("edge-success", 0.8, 0.5);
        downloadAll("edge-success", canaries);

        for (int i = 0; i < 7; i++) {
            runsAndReportsOk("edge-success", canaries.get(i));
        }
        RolloutStatus seven = api.rollout(id);
        assertThat(seven.progress().get(0).confirmed()).isEqualTo(7);
        assertThat(seven.state()).isEqualTo("running");
        assertThat(seven.currentWave()).as("7 of 10 < 0.8").isZero();

        runsAndReportsOk("edge-success", canaries.get(7));
        RolloutStatus eight = api.rollout(id);
        assertThat(eight.progress().get(0).confirmed()).isEqualTo(8);
        assertThat(eight.currentWave() == 1 || eight.state().equals("completed")).as("8 of 10 == 0.8 advances: " + eight).isTrue();
    }

    @Test
    void oneFailureOverTheFailureThresholdHaltsAtTheThresholdItDoesNot() throws Exception {
        List<String> canaries = fleetOfTenCanaries("edge-failure");
        long id = rollout("edge-failure", 1.0, 0.2);
        downloadAll("edge-failure", canaries);

        report("edge-failure", canaries.get(0), "rolled_back");
        report("edge-failure", canaries.get(1), "rolled_back");
        RolloutStatus two = api.rollout(id);
        assertThat(two.progress().get(0).rolledBack()).isEqualTo(2);
        assertThat(two.state()).as("2 of 10 == 0.2 is not above it").isEqualTo("running");

        report("edge-failure", canaries.get(2), "rolled_back");
        RolloutStatus three = api.rollout(id);
        assertThat(three.state()).isEqualTo("halted");
        assertThat(three.reason()).isEqualTo("wave 1 (canary): 3 of 10 devices failed or rolled back (30.0% > 20.0%)");
        // Halted: the remaining canaries get nothing more.
        assertThat(checkIn("edge-failure", canaries.get(9), "1.0.0").statusCode()).isEqualTo(304);
    }

    private List<String> fleetOfTenCanaries(String product) throws Exception {
        Firmware fw = Firmware.samples(DeviceProfile.ESP32_4M, false);
        api.createProduct(product, "esp32-4m", 3600);
        api.uploadRelease(product, fw.oldVersion(), false, fw.parts().get(fw.oldVersion()));
        api.uploadRelease(product, fw.newVersion(), true, fw.parts().get(fw.newVersion()));
        List<String> macs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String mac = String.format(Locale.ROOT, "24:0A:C4:ED:6E:%02X", i);
            assertThat(checkIn(product, mac, "1.0.0").statusCode()).isEqualTo(304); // registers, nothing to do yet
            api.tags(mac, List.of("canary"));
            macs.add(mac);
        }
        return macs;
    }

    private long rollout(String product, double success, double failure) throws Exception {
        RolloutStatus draft = api.createRollout(product, Map.of("version", "1.1.0", "waves", "canary,100", "successThreshold", success,
                "failureThreshold", failure, "soakSeconds", 0, "maxConcurrent", 100, "maxAttempts", 3, "backoffSeconds", 0));
        return api.rollout(draft.id(), "start").id();
    }

    private void downloadAll(String product, List<String> macs) throws Exception {
        for (String mac : macs) {
            HttpResponse<byte[]> r = checkIn(product, mac, "1.0.0");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).hasSize(Integer.parseInt(r.headers().firstValue("Content-Length").orElseThrow()));
        }
        server.updates().flush();
    }

    private HttpResponse<byte[]> checkIn(String product, String mac, String version) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUri() + "/u/" + product + "?mac=" + mac + "&version=" + version))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The device checks in on 1.1.0 (installed: the health window is an hour), then reports "ok", which confirms it. */
    private void runsAndReportsOk(String product, String mac) throws Exception {
        assertThat(checkIn(product, mac, "1.1.0").statusCode()).isEqualTo(304);
        report(product, mac, "ok");
    }

    private void report(String product, String mac, String status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUri() + "/u/" + product + "/report"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("mac", mac, "status", status,
                        "version", "1.1.0")))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode state = JSON.readTree(r.body()).path("state");
        assertThat(state.asText()).isEqualTo(status.equals("ok") ? "confirmed" : status);
    }
}

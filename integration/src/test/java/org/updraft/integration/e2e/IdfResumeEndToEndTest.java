package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.BootResult;
import org.updraft.device.client.Device;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.Identity;
import org.updraft.device.client.PullClient;
import org.updraft.device.client.UpdateOutcome;

/**
 * The esp32-idf-4m profile (ESP32 board, {@code esp_https_ota}, {@link PullClient#ESP_HTTPS_OTA}) against a real Updraft server, with
 * {@link FaultProxy} dropping the first transfer mid-body: the device reconnects with
 * {@code Range: bytes=N-} and {@code If-Range: <ETag>}, gets the rest as a 206, validates the whole
 * image, boots v2 in app1 (PENDING_VERIFY), confirms it on its next check-in — and the server's
 * tracker shows one update of that device, installed.
 */
class IdfResumeEndToEndTest {
    static final byte[] V1 = ImageBuilder.esp32().appVersion("1.0.0").payload(41, 30_000).build();
    static final byte[] V2 = ImageBuilder.esp32().appVersion("2.0.0").payload(42, 50_000).build();
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    static Path dir;
    static LiveServer server;
    static FaultProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        server = new LiveServer(dir.resolve("data"));
        server.product("sensor", "esp32-4m");
        server.release("sensor", "1.0.0", "firmware", V1);
        server.release("sensor", "2.0.0", "firmware", V2);
        proxy = new FaultProxy(server.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        server.close();
    }

    static String etag() throws Exception {
        return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(V2)) + "\"";
    }

    static String get(String mac, String version, String range) {
        return "GET /u/sensor?mac=" + mac + "&version=" + version + " HTTP/1.1\r\n"
                + "User-Agent: ESP32 HTTP Client/1.0\r\n"
                + "Host: 127.0.0.1:" + URI.create(proxy.uri()).getPort() + "\r\n"
                + range + "\r\n";
    }

    @Test
    void aTransferDroppedMidBodyResumesWithRangeBootsV2AndTheTrackerShowsOneInstalledUpdate() throws Exception {
        int[] cuts = {1_000, 4_096, 23_456, V2.length - 1};
        for (int i = 0; i < cuts.length; i++) {
            String mac = String.format("24:0A:C4:1D:F0:%02X", i);
            List<String> log = new ArrayList<>();
            proxy.clearRequests();
            proxy.nextConnections(new FaultProxy.Fault.DropAfter(cuts[i]));
            Device device = Device.boot(DeviceProfile.ESP32_4M, PullClient.ESP_HTTPS_OTA, V1, Identity.of(mac, "v5.3.1"), URI.create(proxy.uri()),
                    "sensor", log::add).timeout(TIMEOUT);

            UpdateOutcome outcome = device.checkIn();

            assertThat(outcome).as(String.join("\n", log)).isInstanceOf(UpdateOutcome.Updated.class);
            assertThat(proxy.requests()).as("drop after %d", cuts[i]).containsExactly(
                    get(mac, "1.0.0", ""),
                    get(mac, "1.0.0", "Range: bytes=" + cuts[i] + "-\r\nIf-Range: " + etag() + "\r\n"),
                    get(mac, "2.0.0", ""));
            assertThat(log).contains("checked in: 200, writing " + V2.length + " bytes to app1",
                    "checked in: 206, writing " + (V2.length - cuts[i]) + " bytes to app1 from byte " + cuts[i]);
            BootResult.Booted booted = (BootResult.Booted) device.board().state();
            assertThat(booted.slot().name()).isEqualTo("app1");
            assertThat(booted.image()).isEqualTo(V2);
            // The check-in from v2 got a 304 and confirmed the image: it survives a power cycle.
            assertThat(device.board().updater().pendingConfirm()).isFalse();
            device.board().powerOn();
            assertThat(device.running()).isEqualTo(V2);

            JsonNode json = server.device(mac);
            assertThat(json.get("runningVersion").asText()).isEqualTo("2.0.0");
            assertThat(json.get("updates")).as(json.toPrettyString()).hasSize(1);
            assertThat(json.get("updates").get(0).get("release").asText()).isEqualTo("2.0.0");
            assertThat(json.get("updates").get(0).get("state").asText()).isEqualTo("installed");
        }
    }

    @Test
    void withoutAConfirmationTheIdfRollbackBringsV1Back() throws Exception {
        String mac = "24:0A:C4:1D:F1:00";
        List<String> log = new ArrayList<>();
        proxy.nextConnections(new FaultProxy.Fault.DropAfter(10_000));
        Device device = Device.boot(DeviceProfile.ESP32_4M, PullClient.ESP_HTTPS_OTA, V1, Identity.of(mac, "v5.3.1"), URI.create(proxy.uri()),
                "sensor", log::add).timeout(TIMEOUT);
        // One attempt only (no confirming check-in): the new app is PENDING_VERIFY; a reset aborts it.
        UpdateOutcome outcome = org.updraft.device.client.IdfOtaClient.updraft(device.board(), URI.create(proxy.uri()),
                "sensor", Identity.of(mac, "v5.3.1"), "1.0.0").timeout(TIMEOUT).update();
        assertThat(outcome).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(device.board().updater().pendingConfirm()).isTrue();
        device.board().reset();
        assertThat(device.running()).isEqualTo(V1);
    }

    @Test
    void deviceRunTakesTheEsp32IdfProfileAndResumes() throws Exception {
        Path v1 = Files.write(dir.resolve("sensor-v1.bin"), V1);
        proxy.nextConnections(new FaultProxy.Fault.DropAfter(7_000));
        PullUpdateEndToEndTest.Run run = PullUpdateEndToEndTest.Run.of("device", "run", "--profile", "esp32-idf-4m",
                "--server", proxy.uri(), "--product", "sensor", "--firmware", v1.toString(), "--mac", "24:0A:C4:1D:F2:00",
                "--timeout", "2s", "--attempts", "3", "--once");

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("checked in: 200, writing " + V2.length + " bytes to app1\n",
                "checked in: 206, writing " + (V2.length - 7_000) + " bytes to app1 from byte 7000\n")
                .containsPattern("(?m)^rebooted into app1 \\(sha256 [0-9a-f]{12}…, version 2.0.0\\)$")
                .containsPattern("(?m)^confirmed app1 ");
    }
}

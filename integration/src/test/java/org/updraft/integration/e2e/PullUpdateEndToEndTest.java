package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.Updraft;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.BootResult;
import org.updraft.device.client.Device;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.Identity;
import org.updraft.device.client.UpdateOutcome;

/**
 * The pull path end to end (docs/emulator.md, docs/device-contract.md): an emulated device of each profile, running stock client behaviour over
 * real sockets, pulls v2 from a real Updraft server (embedded SQLite in a temp dir), reboots into it, checks in
 * again from v2 — and the server's device API shows it running v2.
 */
class PullUpdateEndToEndTest {

    static final byte[] NONOS_USER1_V1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("1").payload(1, 20_000).build();
    static final byte[] NONOS_USER1_V2 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("2").payload(11, 22_000).build();
    static final byte[] NONOS_USER2_V2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).version("2").payload(12, 22_000).build();
    static final byte[] ARDUINO_V1 = ImageBuilder.arduino().version("1.0.0").payload(1, 20_000).build();
    static final byte[] ARDUINO_V2 = ImageBuilder.arduino().version("2.0.0").payload(2, 24_000).build();
    static final byte[] ESP32_V1 = ImageBuilder.esp32().appVersion("1.0.0").payload(21, 20_000).build();
    static final byte[] ESP32_V2 = ImageBuilder.esp32().appVersion("2.0.0").payload(22, 24_000).build();

    @TempDir
    static Path dir;
    static LiveServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new LiveServer(dir.resolve("data"));
        server.product("relay", "nonos-512k");
        server.release("relay", "2", "user1", NONOS_USER1_V2, "user2", NONOS_USER2_V2);
        server.product("plug", "arduino-4m");
        server.release("plug", "1.0.0", "firmware", ARDUINO_V1);
        server.release("plug", "2.0.0", "firmware", ARDUINO_V2);
        server.product("meter", "esp32-4m");
        server.release("meter", "1.0.0", "firmware", ESP32_V1);
        server.release("meter", "2.0.0", "firmware", ESP32_V2);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void emulatedEsp8266NonosPullsV2FromARealUpdraftServerRebootsIntoUser2AndReportsV2() throws Exception {
        List<String> log = new ArrayList<>();
        Device device = Device.boot(DeviceProfile.NONOS_512K, NONOS_USER1_V1, Identity.of("5C:CF:7F:E2:E0:01", "2.2.1"),
                server.uri(), "relay", log::add);

        UpdateOutcome outcome = device.checkIn();

        assertThat(outcome).as(String.join("\n", log)).isInstanceOf(UpdateOutcome.Updated.class);
        BootResult.Booted booted = (BootResult.Booted) device.board().state();
        assertThat(booted.slot().name()).isEqualTo("user2");
        assertThat(booted.image()).isEqualTo(NONOS_USER2_V2);
        assertThat(device.version()).isEqualTo("2");
        assertThat(server.device("5C:CF:7F:E2:E0:01").get("runningVersion").asText()).isEqualTo("2");
        assertThat(log.get(0)).matches("booted user1 \\(sha256 [0-9a-f]{12}…, version 1\\)");
        assertThat(log.get(1)).isEqualTo("checked in: 200, writing " + NONOS_USER2_V2.length + " bytes to user2");
        assertThat(log.get(2)).matches("rebooted into user2 \\(sha256 [0-9a-f]{12}…, version 2\\)");
        assertThat(log.get(3)).startsWith("checked in: up to date");

        // The next poll, from user2, asks for user1.bin and is told (by a close) there is nothing to do.
        assertThat(device.checkIn()).isInstanceOf(UpdateOutcome.NoUpdate.class);
        assertThat(device.running()).isEqualTo(NONOS_USER2_V2);
    }

    @Test
    void emulatedArduinoEsp8266PullsV2ThroughEbootCopyAndReportsV2() throws Exception {
        List<String> log = new ArrayList<>();
        Device device = Device.boot(DeviceProfile.ARDUINO_4M, ARDUINO_V1, Identity.of("5C:CF:7F:E2:E0:02", "2.2.2"),
                server.uri(), "plug", log::add);

        UpdateOutcome outcome = device.checkIn();

        assertThat(outcome).as(String.join("\n", log)).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(device.running()).isEqualTo(ARDUINO_V2);
        assertThat(((BootResult.Booted) device.board().state()).slot().offset()).isZero(); // eboot copied it over 0x0
        assertThat(log.get(1)).isEqualTo("checked in: 200, writing " + ARDUINO_V2.length + " bytes to staging");
        var json = server.device("5C:CF:7F:E2:E0:02");
        assertThat(json.get("runningVersion").asText()).isEqualTo("2.0.0");
        assertThat(json.get("lastOutcome").asText()).isEqualTo("up-to-date");
    }

    @Test
    void emulatedEsp32PullsV2IntoApp1ThroughOtadataAndReportsV2() throws Exception {
        List<String> log = new ArrayList<>();
        Device device = Device.boot(DeviceProfile.ESP32_4M, ESP32_V1, Identity.of("24:0A:C4:E2:E0:03", "v4.4.5"),
                server.uri(), "meter", log::add);

        UpdateOutcome outcome = device.checkIn();

        assertThat(outcome).as(String.join("\n", log)).isInstanceOf(UpdateOutcome.Updated.class);
        BootResult.Booted booted = (BootResult.Booted) device.board().state();
        assertThat(booted.slot().name()).isEqualTo("app1");
        assertThat(booted.image()).isEqualTo(ESP32_V2);
        assertThat(server.device("24:0A:C4:E2:E0:03").get("runningVersion").asText()).isEqualTo("2.0.0");
    }

    @Test
    void deviceRunOnceLogsBootCheckInAndRebootAndExitsZero() throws Exception {
        Path v1 = Files.write(dir.resolve("user1-v1.bin"), NONOS_USER1_V1);
        Run run = Run.of("device", "run", "--profile", "nonos-512k", "--server", server.uri().toString(), "--product", "relay",
                "--firmware", v1.toString(), "--mac", "5C:CF:7F:E2:E0:04", "--once");

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).containsPattern("(?m)^booted user1 \\(sha256 [0-9a-f]{12}…, version 1\\)$")
                .contains("checked in: 200, writing " + NONOS_USER2_V2.length + " bytes to user2\n")
                .containsPattern("(?m)^rebooted into user2 \\(sha256 [0-9a-f]{12}…, version 2\\)$");
        assertThat(server.device("5C:CF:7F:E2:E0:04").get("runningVersion").asText()).isEqualTo("2");

        // Already on v2: one cycle, nothing to do, exit 0.
        Path v2 = Files.write(dir.resolve("plug-v2.bin"), ARDUINO_V2);
        Run upToDate = Run.of("device", "run", "--profile", "arduino-4m", "--server", server.uri().toString(), "--product", "plug",
                "--firmware", v2.toString(), "--mac", "5C:CF:7F:E2:E0:05", "--once");
        assertThat(upToDate.exit()).as(upToDate.toString()).isZero();
        assertThat(upToDate.out()).contains("checked in: up to date (304 Not Modified)");
    }

    @Test
    void deviceRunOnceExitsOneWhenTheUpdateFails() throws Exception {
        Path v1 = Files.write(dir.resolve("meter-v1.bin"), ESP32_V1);
        Run run = Run.of("device", "run", "--profile", "esp32-4m", "--server", server.uri().toString(), "--product", "nosuch",
                "--firmware", v1.toString(), "--once");

        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).contains("update failed: -102 File Not Found (404); still running app0");
    }

    @Test
    void deviceRunRejectsAnUnknownProfileAsAUsageError() {
        Run run = Run.of("device", "run", "--profile", "nonos-4m", "--product", "x", "--firmware", "x.bin", "--once");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("unknown profile 'nonos-4m'; expected one of nonos-512k, arduino-4m, arduino-1m, esp32-4m");
    }

    /** One in-process {@code updraft …} run. */
    record Run(int exit, String out, String err) {
        static Run of(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            picocli.CommandLine cli = Updraft.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int exit = cli.execute(args);
            return new Run(exit, out.toString(), err.toString());
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out ---\n" + out + "--- err ---\n" + err;
        }
    }
}

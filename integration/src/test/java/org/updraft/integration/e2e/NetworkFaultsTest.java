package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.Region;
import org.updraft.device.client.Device;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.Identity;
import org.updraft.device.client.UpdateOutcome;

/**
 * Issue 4's network faults against a real Updraft server, with {@link FaultProxy} between the
 * emulated device and the server: a drop at every 1 KiB boundary of the transfer, a stall past the
 * client timeout, a 200 carrying an HTML page, a wrong x-MD5, a body shorter than Content-Length
 * followed by close, and wrong-chip images. After each fault the device is power-cycled: the old
 * firmware boots byte for byte, and every flash byte outside the inactive slot is unchanged. Then
 * the next clean attempt succeeds.
 */
class NetworkFaultsTest {

    static final byte[] ARDUINO_V1 = ImageBuilder.arduino().version("1.0.0").payload(1, 16_000).build();
    static final byte[] ARDUINO_V2 = ImageBuilder.arduino().version("2.0.0").payload(2, 20_000).build();
    static final byte[] NONOS_USER1_V1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("1").payload(1, 16_000).build();
    static final byte[] NONOS_USER1_V2 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("2").payload(11, 20_000).build();
    static final byte[] NONOS_USER2_V2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).version("2").payload(12, 20_000).build();
    static final byte[] ESP32_V1 = ImageBuilder.esp32().appVersion("1.0.0").payload(21, 16_000).build();
    static final byte[] ESP32_V2 = ImageBuilder.esp32().appVersion("2.0.0").payload(22, 20_000).build();
    static final byte[] HTML = ("<!DOCTYPE html><html><head><title>Index of /firmware</title></head><body>"
            + "<h1>Index of /firmware</h1><a href=\"user1.bin\">user1.bin</a></body></html>\n").getBytes(StandardCharsets.US_ASCII);
    /** A short client timeout: stalls are detected in a second instead of 8 s (a fifth of a second was flaky on a loaded 2-core machine). */
    static final Duration TIMEOUT = Duration.ofMillis(1000);

    @TempDir
    static Path dir;
    static LiveServer server;
    static FaultProxy proxy;
    static int macs;

    @BeforeAll
    static void start() throws Exception {
        server = new LiveServer(dir.resolve("data"));
        server.product("plug", "arduino-4m");
        server.release("plug", "1.0.0", "firmware", ARDUINO_V1);
        server.release("plug", "2.0.0", "firmware", ARDUINO_V2);
        server.product("relay", "nonos-512k");
        server.release("relay", "2", "user1", NONOS_USER1_V2, "user2", NONOS_USER2_V2);
        server.product("meter", "esp32-4m");
        server.release("meter", "1.0.0", "firmware", ESP32_V1);
        server.release("meter", "2.0.0", "firmware", ESP32_V2);
        proxy = new FaultProxy(server.port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        server.close();
    }

    /** A fresh device behind the proxy, with a MAC no other test uses. */
    static Device device(DeviceProfile profile, byte[] firmware, String product, List<String> log) {
        String mac = String.format("5C:CF:7F:FA:00:%02X", ++macs);
        return Device.boot(profile, firmware, Identity.of(mac, profile.sdkVersion()), URI.create(proxy.uri()), product, log::add)
                .timeout(TIMEOUT);
    }

    @Test
    void arduinoDropAtEvery1KiBBoundaryKeepsV1ThenTheCleanAttemptInstallsV2() throws Exception {
        dropAtEveryKiB(DeviceProfile.ARDUINO_4M, ARDUINO_V1, ARDUINO_V2, "plug", 6, "ERROR[6]: Stream Read Timeout");
    }

    @Test
    void nonosDropAtEvery1KiBBoundaryKeepsUser1ThenTheCleanAttemptInstallsUser2() throws Exception {
        dropAtEveryKiB(DeviceProfile.NONOS_512K, NONOS_USER1_V1, NONOS_USER2_V2, "relay", 0, "connection closed after ");
    }

    @Test
    void esp32DropAtEvery1KiBBoundaryKeepsApp0ThenTheCleanAttemptInstallsV2() throws Exception {
        dropAtEveryKiB(DeviceProfile.ESP32_4M, ESP32_V1, ESP32_V2, "meter", 6, "Stream Read Timeout");
    }

    private void dropAtEveryKiB(DeviceProfile profile, byte[] v1, byte[] v2, String product, int code, String message)
            throws Exception {
        List<String> log = new ArrayList<>();
        Device device = device(profile, v1, product, log);
        for (int cut = 0; cut < v2.length; cut += 1024) {
            proxy.fault(new FaultProxy.Fault.DropAfter(cut));
            UpdateOutcome outcome = faultLeavesV1Intact(device, v1, log);
            assertThat(outcome).as("drop after %d body bytes", cut).isInstanceOf(UpdateOutcome.Failed.class);
            UpdateOutcome.Failed failed = (UpdateOutcome.Failed) outcome;
            if (cut == 0 && code != 0) {
                // Nothing after the head: tcp->peekBytes(buf, 4) != 4 -> HTTP_UE_BIN_VERIFY_HEADER_FAILED
                assertThat(failed).isEqualTo(new UpdateOutcome.Failed(-106, "Verify Bin Header Failed"));
                continue;
            }
            assertThat(failed.code()).as("drop after %d: %s", cut, failed).isEqualTo(code);
            assertThat(failed.message()).startsWith(message);
        }
        cleanAttemptInstalls(device, v2, log);
    }

    @Test
    void stallPastTheClientTimeoutKeepsTheOldFirmware() throws Exception {
        List<String> log = new ArrayList<>();
        Device arduino = device(DeviceProfile.ARDUINO_4M, ARDUINO_V1, "plug", log);
        proxy.fault(new FaultProxy.Fault.StallAfter(4096));
        assertThat(faultLeavesV1Intact(arduino, ARDUINO_V1, log)).isEqualTo(new UpdateOutcome.Failed(6, "ERROR[6]: Stream Read Timeout"));
        // Stalled before the head is complete: HTTPClient gives up reading the head.
        proxy.fault(new FaultProxy.Fault.StallAfter(-1));
        assertThat(faultLeavesV1Intact(arduino, ARDUINO_V1, log)).isEqualTo(new UpdateOutcome.Failed(-11, "read Timeout"));
        cleanAttemptInstalls(arduino, ARDUINO_V2, log);

        Device nonos = device(DeviceProfile.NONOS_512K, NONOS_USER1_V1, "relay", log);
        proxy.fault(new FaultProxy.Fault.StallAfter(4096));
        UpdateOutcome stalled = faultLeavesV1Intact(nonos, NONOS_USER1_V1, log);
        assertThat(stalled).isEqualTo(new UpdateOutcome.Failed(0, "check_times timer expired after " + TIMEOUT.toMillis() + " ms"));
        cleanAttemptInstalls(nonos, NONOS_USER2_V2, log);

        Device esp32 = device(DeviceProfile.ESP32_4M, ESP32_V1, "meter", log);
        proxy.fault(new FaultProxy.Fault.StallAfter(4096));
        assertThat(faultLeavesV1Intact(esp32, ESP32_V1, log)).isEqualTo(new UpdateOutcome.Failed(6, "Stream Read Timeout"));
        cleanAttemptInstalls(esp32, ESP32_V2, log);
    }

    @Test
    void a200CarryingAnHtmlPageIsNeverBooted() throws Exception {
        FaultProxy.Fault html = new FaultProxy.Fault.Rewrite(r -> r.withBody(HTML)
                .withHeader("Content-Type", "text/html").withHeader("x-MD5", md5(HTML)));
        List<String> log = new ArrayList<>();
        Device arduino = device(DeviceProfile.ARDUINO_4M, ARDUINO_V1, "plug", log);
        proxy.fault(html);
        assertThat(faultLeavesV1Intact(arduino, ARDUINO_V1, log)).isEqualTo(new UpdateOutcome.Failed(-106, "Verify Bin Header Failed"));
        cleanAttemptInstalls(arduino, ARDUINO_V2, log);

        // NONOS ignores the status and writes whatever Content-Length announces; the bin's CRC check refuses it.
        Device nonos = device(DeviceProfile.NONOS_512K, NONOS_USER1_V1, "relay", log);
        proxy.fault(html);
        UpdateOutcome outcome = faultLeavesV1Intact(nonos, NONOS_USER1_V1, log);
        assertThat(outcome).isInstanceOf(UpdateOutcome.Failed.class);
        assertThat(((UpdateOutcome.Failed) outcome).message()).startsWith("upgrade_crc_check: ");
        cleanAttemptInstalls(nonos, NONOS_USER2_V2, log);

        Device esp32 = device(DeviceProfile.ESP32_4M, ESP32_V1, "meter", log);
        proxy.fault(html);
        assertThat(faultLeavesV1Intact(esp32, ESP32_V1, log)).isEqualTo(new UpdateOutcome.Failed(-106, "Verify Bin Header Failed"));
        cleanAttemptInstalls(esp32, ESP32_V2, log);
    }

    @Test
    void aWrongXMd5IsAnUpdaterMd5Error() throws Exception {
        FaultProxy.Fault wrongMd5 = new FaultProxy.Fault.Rewrite(r -> r.withHeader("x-MD5", md5(HTML)));
        List<String> log = new ArrayList<>();
        Device arduino = device(DeviceProfile.ARDUINO_4M, ARDUINO_V1, "plug", log);
        proxy.fault(wrongMd5);
        assertThat(faultLeavesV1Intact(arduino, ARDUINO_V1, log)).isEqualTo(new UpdateOutcome.Failed(7, "ERROR[7]: MD5 verification failed"));
        // A 31-character x-MD5 is refused before a byte is written.
        proxy.fault(new FaultProxy.Fault.Rewrite(r -> r.withHeader("x-MD5", md5(HTML).substring(1))));
        assertThat(faultLeavesV1Intact(arduino, ARDUINO_V1, log)).isEqualTo(new UpdateOutcome.Failed(-105, "Wrong MD5"));
        cleanAttemptInstalls(arduino, ARDUINO_V2, log);

        Device esp32 = device(DeviceProfile.ESP32_4M, ESP32_V1, "meter", log);
        proxy.fault(wrongMd5);
        assertThat(faultLeavesV1Intact(esp32, ESP32_V1, log)).isEqualTo(new UpdateOutcome.Failed(7, "MD5 Check Failed"));
        cleanAttemptInstalls(esp32, ESP32_V2, log);
    }

    @Test
    void aBodyShorterThanContentLengthFollowedByCloseKeepsTheOldFirmware() throws Exception {
        FaultProxy.Fault shortBody = new FaultProxy.Fault.Rewrite(r -> new FaultProxy.Response(r.head(),
                Arrays.copyOf(r.body(), r.body().length - 100)));
        List<String> log = new ArrayList<>();
        Device arduino = device(DeviceProfile.ARDUINO_4M, ARDUINO_V1, "plug", log);
        proxy.fault(shortBody);
        assertThat(faultLeavesV1Intact(arduino, ARDUINO_V1, log)).isEqualTo(new UpdateOutcome.Failed(6, "ERROR[6]: Stream Read Timeout"));
        cleanAttemptInstalls(arduino, ARDUINO_V2, log);

        Device nonos = device(DeviceProfile.NONOS_512K, NONOS_USER1_V1, "relay", log);
        proxy.fault(shortBody);
        assertThat(faultLeavesV1Intact(nonos, NONOS_USER1_V1, log)).isEqualTo(new UpdateOutcome.Failed(0,
                "connection closed after " + (NONOS_USER2_V2.length - 100) + " of " + NONOS_USER2_V2.length + " bytes"));
        cleanAttemptInstalls(nonos, NONOS_USER2_V2, log);
    }

    @Test
    void wrongChipImagesAreRefused() throws Exception {
        List<String> log = new ArrayList<>();
        Device arduino = device(DeviceProfile.ARDUINO_4M, ARDUINO_V1, "plug", log);
        // An ESP8266 image for a 16 MB flash on a 4 MB chip: the peeked size nibble says no.
        byte[] sixteenMb = ImageBuilder.arduino().flashSizeCode(9).version("2.0.0").payload(3, 20_000).build();
        proxy.fault(new FaultProxy.Fault.Rewrite(r -> r.withBody(sixteenMb).withHeader("x-MD5", md5(sixteenMb))));
        assertThat(faultLeavesV1Intact(arduino, ARDUINO_V1, log))
                .isEqualTo(new UpdateOutcome.Failed(-107, "New Binary Does Not Fit Flash Size"));
        // An ESP32 image to an ESP8266: E9 and a plausible size nibble pass the peek; Update.end refuses it.
        proxy.fault(new FaultProxy.Fault.Rewrite(r -> r.withBody(ESP32_V2).withHeader("x-MD5", md5(ESP32_V2))));
        UpdateOutcome esp32Image = faultLeavesV1Intact(arduino, ARDUINO_V1, log);
        assertThat(esp32Image).isInstanceOf(UpdateOutcome.Failed.class);
        assertThat(((UpdateOutcome.Failed) esp32Image).code()).isEqualTo(10);
        cleanAttemptInstalls(arduino, ARDUINO_V2, log);

        // An ESP8266 sketch to an ESP32: E9 passes ESP32's one-byte peek; esp_ota_end refuses it.
        Device esp32 = device(DeviceProfile.ESP32_4M, ESP32_V1, "meter", log);
        proxy.fault(new FaultProxy.Fault.Rewrite(r -> r.withBody(ARDUINO_V2).withHeader("x-MD5", md5(ARDUINO_V2))));
        UpdateOutcome sketch = faultLeavesV1Intact(esp32, ESP32_V1, log);
        assertThat(((UpdateOutcome.Failed) sketch).code()).isEqualTo(8);
        assertThat(((UpdateOutcome.Failed) sketch).message()).startsWith("Wrong Magic Byte");
        cleanAttemptInstalls(esp32, ESP32_V2, log);
    }

    /**
     * A NONOS device running user1 asks for user2.bin and gets the user1.bin build (a misconfigured
     * mirror or proxy; Updraft itself refuses such a release at upload). Its CRC is fine and the
     * stock SDK would flash it and crash-loop in user2 (irom0 linked for user1, NonosBoot's class
     * comment); the emulated device refuses it before the flag moves, keeps user1 byte for byte, and
     * the next clean attempt installs the user2 build.
     */
    @Test
    void aNonosImageLinkedForTheOtherSlotIsRefusedAndUser1KeepsRunning() throws Exception {
        List<String> log = new ArrayList<>();
        Device nonos = device(DeviceProfile.NONOS_512K, NONOS_USER1_V1, "relay", log);
        proxy.fault(new FaultProxy.Fault.Rewrite(r -> r.withBody(NONOS_USER1_V2)));
        UpdateOutcome outcome = faultLeavesV1Intact(nonos, NONOS_USER1_V1, log);
        assertThat(outcome).isEqualTo(new UpdateOutcome.Failed(0, "upgrade_crc_check: not a valid image for user2: irom0 is"
                + " linked at 0x40201010 (the user1.bin build) but user2 runs it from 0x40241010: it would crash on its"
                + " first irom0 call"));
        cleanAttemptInstalls(nonos, NONOS_USER2_V2, log);
    }

    /**
     * One check-in through the current fault; then: every flash byte outside the inactive slot is
     * what it was, and after a power cycle the old image boots byte for byte.
     */
    private static UpdateOutcome faultLeavesV1Intact(Device device, byte[] v1, List<String> log) {
        byte[] before = device.board().flash().dump();
        Region scratch = device.board().updater().target();
        UpdateOutcome outcome = device.checkIn();
        byte[] after = device.board().flash().dump();
        assertThat(Arrays.equals(before, 0, scratch.offset(), after, 0, scratch.offset()))
                .as("flash below %s unchanged after %s", scratch, outcome).isTrue();
        assertThat(Arrays.equals(before, scratch.end(), before.length, after, scratch.end(), after.length))
                .as("flash above %s unchanged after %s", scratch, outcome).isTrue();
        device.board().powerOn();
        assertThat(device.running()).as("old firmware boots after %s\n%s", outcome, String.join("\n", log)).isEqualTo(v1);
        return outcome;
    }

    private static void cleanAttemptInstalls(Device device, byte[] v2, List<String> log) {
        proxy.fault(new FaultProxy.Fault.None());
        UpdateOutcome outcome = device.checkIn();
        assertThat(outcome).as(String.join("\n", log)).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(device.running()).isEqualTo(v2);
    }

    static String md5(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

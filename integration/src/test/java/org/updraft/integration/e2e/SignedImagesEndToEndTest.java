package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.SigningKey;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.client.Device;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.Identity;
import org.updraft.device.client.UpdateOutcome;
import org.updraft.device.receiver.ArduinoOtaReceiver;
import org.updraft.device.receiver.WebUpdateReceiver;

/**
 * Issue 6: "the emulated device refuses an image whose signature does not verify even when the
 * server is bypassed (pushed directly), and keeps its old firmware". An emulated Arduino ESP8266
 * with a public key installed: {@code updraft push web} and {@code updraft push arduino-ota} of an
 * unsigned image and of one signed by another key end in ERROR[12] with v1 booting byte for byte;
 * the correctly signed image is installed. The pull path the same against a real server, through
 * {@code updraft device run --public-key}.
 */
class SignedImagesEndToEndTest {
    static final SigningKey KEY = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey OTHER = KeyAlgorithm.RSA_2048.generate();
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(51, 20_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(52, 24_000).build();
    static final byte[] V3 = ImageBuilder.arduino().version("3.0.0").payload(53, 24_000).build();
    static final byte[] V4 = ImageBuilder.arduino().version("4.0.0").payload(54, 26_000).build();

    @TempDir
    Path dir;

    private Path file(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private static String at(InetSocketAddress a) {
        return "127.0.0.1:" + a.getPort();
    }

    private static byte[] running(Board board) {
        return ((BootResult.Booted) board.state()).image();
    }

    /** After a refusal: a power cycle boots v1, and the sketch area is what it was. */
    private static void keepsV1(Board board, byte[] sketchArea) {
        board.powerOn();
        assertThat(running(board)).isEqualTo(V1);
        assertThat(board.flash().read(0, sketchArea.length)).isEqualTo(sketchArea);
    }

    private static Board keyed() {
        Board board = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_4M), V1);
        board.installPublicKey(KEY.verifyingKey());
        return board;
    }

    @Test
    void pushWebRefusesUnsignedAndForeignSignedImagesAndInstallsTheSignedOne() throws Exception {
        Board board = keyed();
        byte[] sketchArea = board.flash().read(0, (V1.length + 4095) & -4096);
        try (WebUpdateReceiver device = WebUpdateReceiver.builder(board).rebootDelay(Duration.ZERO).start()) {
            for (Path refused : List.of(file("v2.bin", V2), file("v2-other.bin.signed", ArduinoSignature.sign(V2, OTHER)))) {
                PullUpdateEndToEndTest.Run run = PullUpdateEndToEndTest.Run.of("push", "web", at(device.address()),
                        refused.toString(), "--retry-delay", "0s");
                assertThat(run.exit()).as(run.toString()).isEqualTo(1);
                assertThat(run.err()).isEqualTo("error: push to " + at(device.address()) + " failed: the device refused the"
                        + " image: Update error: ERROR[12]: Signature verification failed\n");
                keepsV1(board, sketchArea);
            }
            Path signed = file("v2.bin.signed", ArduinoSignature.sign(V2, KEY));
            PullUpdateEndToEndTest.Run ok = PullUpdateEndToEndTest.Run.of("push", "web", at(device.address()), signed.toString());
            assertThat(ok.exit()).as(ok.toString()).isZero();
            device.awaitRunning();
            assertThat(running(board)).isEqualTo(V2);
        }
    }

    @Test
    void pushArduinoOtaRefusesUnsignedAndForeignSignedImagesAndInstallsTheSignedOne() throws Exception {
        Board board = keyed();
        byte[] sketchArea = board.flash().read(0, (V1.length + 4095) & -4096);
        try (ArduinoOtaReceiver device = ArduinoOtaReceiver.builder(board).port(0).okDelay(Duration.ZERO)
                .rebootDelay(Duration.ZERO).stallTimeout(Duration.ofSeconds(10)).start()) {
            for (Path refused : List.of(file("v2.bin", V2), file("v2-other.bin.signed", ArduinoSignature.sign(V2, OTHER)))) {
                PullUpdateEndToEndTest.Run run = PullUpdateEndToEndTest.Run.of("push", "arduino-ota", at(device.address()),
                        refused.toString(), "--retry-delay", "0s");
                assertThat(run.exit()).as(run.toString()).isEqualTo(1);
                assertThat(run.err()).startsWith("error: push to " + at(device.address()) + " failed: ")
                        .contains("ERROR[12]: Signature verification failed");
                keepsV1(board, sketchArea);
            }
            Path signed = file("v2.bin.signed", ArduinoSignature.sign(V2, KEY));
            PullUpdateEndToEndTest.Run ok = PullUpdateEndToEndTest.Run.of("push", "arduino-ota", at(device.address()),
                    signed.toString());
            assertThat(ok.exit()).as(ok.toString()).isZero();
            device.awaitRunning();
            assertThat(running(board)).isEqualTo(V2);
        }
    }

    /**
     * The server serves whatever its newest release is: first an unsigned v2, then v3 signed by
     * another key, then v4 signed by the device's key. Only v4 is installed; x-MD5 (which matches
     * each time) is not what decides.
     */
    @Test
    void pullFromARealServerVerifiesEveryReleaseWithTheInstalledKey(@TempDir Path data) throws Exception {
        Path pem = dir.resolve("public.key");
        KEY.verifyingKey().write(pem, false);
        Path v1 = file("plug-v1.bin", V1);
        try (LiveServer server = new LiveServer(data)) {
            server.product("signed-plug", "arduino-4m");
            server.release("signed-plug", "1.0.0", "firmware", V1);
            server.release("signed-plug", "2.0.0", "firmware", V2);

            // Through the API: v1 keeps booting byte for byte.
            List<String> log = new ArrayList<>();
            Device device = Device.boot(DeviceProfile.ARDUINO_4M, V1, Identity.of("5C:CF:7F:51:60:01", "2.2.2"), server.uri(),
                    "signed-plug", log::add).publicKey(KEY.verifyingKey());
            byte[] sketchArea = device.board().flash().read(0, (V1.length + 4095) & -4096);
            assertThat(device.checkIn()).as(String.join("\n", log))
                    .isEqualTo(new UpdateOutcome.Failed(12, "ERROR[12]: Signature verification failed"));
            keepsV1(device.board(), sketchArea);

            // Through the CLI, unsigned v2 and then v3 signed by another key.
            for (int i = 0; i < 2; i++) {
                if (i == 1) {
                    server.release("signed-plug", "3.0.0", "firmware", ArduinoSignature.sign(V3, OTHER));
                }
                PullUpdateEndToEndTest.Run run = PullUpdateEndToEndTest.Run.of("device", "run", "--profile", "arduino-4m",
                        "--server", server.uri().toString(), "--product", "signed-plug", "--firmware", v1.toString(),
                        "--mac", "5C:CF:7F:51:60:02", "--public-key", pem.toString(), "--once");
                assertThat(run.exit()).as(run.toString()).isEqualTo(1);
                assertThat(run.out()).contains("installed signing key " + KEY.verifyingKey() + "\n")
                        .contains("update failed: 12 ERROR[12]: Signature verification failed; still running ");
            }

            server.release("signed-plug", "4.0.0", "firmware", ArduinoSignature.sign(V4, KEY));
            PullUpdateEndToEndTest.Run ok = PullUpdateEndToEndTest.Run.of("device", "run", "--profile", "arduino-4m",
                    "--server", server.uri().toString(), "--product", "signed-plug", "--firmware", v1.toString(),
                    "--mac", "5C:CF:7F:51:60:02", "--public-key", pem.toString(), "--once");
            assertThat(ok.exit()).as(ok.toString()).isZero();
            assertThat(ok.out()).containsPattern("(?m)^rebooted into .*version 4\\.0\\.0\\)$");
            assertThat(server.device("5C:CF:7F:51:60:02").get("runningVersion").asText()).isEqualTo("4.0.0");
            assertThat(device.checkIn()).isInstanceOf(UpdateOutcome.Updated.class);
            assertThat(device.running()).isEqualTo(V4);
        }
    }

    @Test
    void publicKeyIsOnlyForTheArduinoProfile() throws Exception {
        Path pem = dir.resolve("public.key");
        KEY.verifyingKey().write(pem, false);
        PullUpdateEndToEndTest.Run run = PullUpdateEndToEndTest.Run.of("device", "run", "--profile", "esp32-idf-4m",
                "--product", "x", "--firmware", "x.bin", "--public-key", pem.toString(), "--once");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--public-key: signed images are an Arduino ESP8266 Updater feature;"
                + " use it with --profile arduino-4m");
    }
}

package org.updraft.device.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.updraft.device.receiver.Fixtures.runs;
import static org.updraft.device.receiver.Fixtures.sketch;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.SigningKey;
import org.updraft.device.boot.Board;
import org.updraft.device.push.ArduinoOtaPush;
import org.updraft.device.push.WebUpdatePush;

/**
 * Signed images on the device (docs/emulator.md, {@code --public-key}): once a key is installed, every Updater path verifies —
 * here the two push paths that bypass any server, the web updater and ArduinoOTA. Unsigned images,
 * images signed by another key, tampered and ECDSA-signed images are refused with ERROR[12] after
 * the write, the old sketch keeps booting byte for byte; the correctly signed image is installed
 * without its trailer.
 */
class SignedPushTest {
    static final SigningKey KEY = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey OTHER = KeyAlgorithm.RSA_2048.generate();
    static final byte[] V1 = sketch(1, 30_000);
    static final byte[] V2 = sketch(2, 40_000);
    static final byte[] SIGNED = ArduinoSignature.sign(V2, KEY);

    private final Board board = Fixtures.arduinoBoard(V1);
    private AutoCloseable receiver;

    @AfterEach
    void stop() throws Exception {
        if (receiver != null) {
            receiver.close();
        }
    }

    static byte[][] refused() {
        byte[] tampered = SIGNED.clone();
        tampered[0x1800] ^= 0x20;
        return new byte[][] {V2, ArduinoSignature.sign(V2, OTHER), tampered,
                ArduinoSignature.sign(V2, KeyAlgorithm.ECDSA_P256.generate())};
    }

    /** v1 boots after a power cycle and the sketch area below the staging area is what it was. */
    private void keepsV1(byte[] sketchArea) {
        board.powerOn();
        runs(board, V1);
        assertThat(board.flash().read(0, sketchArea.length)).isEqualTo(sketchArea);
    }

    @Test
    void theWebUpdaterRefusesWhatDoesNotVerifyAndInstallsTheSignedImage() throws Exception {
        board.installPublicKey(KEY.verifyingKey());
        WebUpdateReceiver web = WebUpdateReceiver.builder(board).rebootDelay(Duration.ZERO).start();
        receiver = web;
        WebUpdatePush push = new WebUpdatePush(web.address(), "/update", null, null, Duration.ofSeconds(10), Duration.ofMillis(5));
        byte[] sketchArea = board.flash().read(0, (V1.length + 4095) & -4096);
        for (byte[] image : refused()) {
            assertThatThrownBy(() -> push.push(image, "fw.bin", sent -> { }))
                    .hasMessage("the device refused the image: Update error: ERROR[12]: Signature verification failed");
            keepsV1(sketchArea);
        }
        push.push(SIGNED, "fw.bin.signed", sent -> { });
        web.awaitRunning();
        runs(board, V2);
    }

    @Test
    void arduinoOtaRefusesWhatDoesNotVerifyAndInstallsTheSignedImage() throws Exception {
        board.installPublicKey(KEY.verifyingKey());
        ArduinoOtaReceiver ota = ArduinoOtaReceiver.builder(board).port(0).okDelay(Duration.ZERO)
                .rebootDelay(Duration.ZERO).stallTimeout(Duration.ofSeconds(10)).start();
        receiver = ota;
        ArduinoOtaPush push = new ArduinoOtaPush(ota.address(), null, 0, Duration.ofSeconds(10));
        byte[] sketchArea = board.flash().read(0, (V1.length + 4095) & -4096);
        for (byte[] image : refused()) {
            assertThatThrownBy(() -> push.push(image, sent -> { }))
                    .hasMessageContaining("ERROR[12]: Signature verification failed");
            keepsV1(sketchArea);
        }
        push.push(SIGNED, sent -> { });
        ota.awaitRunning();
        runs(board, V2);
        assertThat(Arrays.equals(SIGNED, 0, V2.length, V2, 0, V2.length)).isTrue();
    }

    @Test
    void withoutAKeySignedImagesAreOrdinaryImagesAndOnlyEsp8266BoardsTakeKeys() throws Exception {
        WebUpdateReceiver web = WebUpdateReceiver.builder(board).rebootDelay(Duration.ZERO).start();
        receiver = web;
        new WebUpdatePush(web.address(), "/update", null, null, Duration.ofSeconds(10), Duration.ofMillis(5))
                .push(V2, "fw.bin", sent -> { });
        web.awaitRunning();
        runs(board, V2);
        assertThatThrownBy(() -> Fixtures.nonosBoard(Fixtures.nonos(1, 1, 20_000)).installPublicKey(KEY.verifyingKey()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("signed updates are an Arduino ESP8266 Updater feature");
    }
}

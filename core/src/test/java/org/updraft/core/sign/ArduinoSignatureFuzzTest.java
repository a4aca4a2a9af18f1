package org.updraft.core.sign;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.updraft.testsupport.FuzzFindings;
import org.updraft.core.image.ImageBuilder;

/**
 * Fuzzes the signed-trailer parser ({@code image || sig || u32le(len)}): {@link ArduinoSignature#verify}
 * with each key type and with all three keys, and {@link ArduinoSignature#verifyAsEsp8266}, must answer
 * with a {@link Verification} for any bytes, never throw; a Valid answer names the key that verified.
 *
 * <p>Seed corpus: {@code src/test/resources/org/updraft/core/sign/ArduinoSignatureFuzzTestInputs/verify/}:
 * small images signed with the test keys of this package (RSA-2048, ECDSA P-256, Ed25519), a legacy
 * RSA signature, an unsigned image and trailers that contradict themselves ({@link #main} wrote them;
 * ECDSA signatures are randomised, so they are written once and not rebuilt).
 */
@ExtendWith(FuzzFindings.class)
class ArduinoSignatureFuzzTest {

    static final VerifyingKey RSA = Fixtures.verifyingKey("rsa-2048.pub");
    static final VerifyingKey EC = Fixtures.verifyingKey("ecdsa-p256.pub");
    static final VerifyingKey ED = Fixtures.verifyingKey("ed25519.pub");
    static final List<VerifyingKey> ALL = List.of(RSA, EC, ED);

    @FuzzTest(maxDuration = "60s")
    void verify(byte[] data) {
        FuzzFindings.input(data);
        for (VerifyingKey key : ALL) {
            check(ArduinoSignature.verify(data, key), List.of(key));
            check(ArduinoSignature.verifyAsEsp8266(data, key), List.of(key));
        }
        check(ArduinoSignature.verify(data, ALL), ALL);
    }

    private static void check(Verification v, List<VerifyingKey> keys) {
        assertThat(v).isNotNull();
        if (v instanceof Verification.Valid valid) {
            assertThat(keys.stream().map(VerifyingKey::fingerprint)).contains(valid.keyFingerprint());
        } else {
            assertThat(((Verification.Invalid) v).reason()).isNotBlank();
        }
    }

    @Test
    void theSignedSeedsVerifyWithTheirKey() {
        assertThat(ArduinoSignature.verify(seed("esp8266-rsa-2048.bin"), RSA).isValid()).isTrue();
        assertThat(ArduinoSignature.verify(seed("esp32-ecdsa-p256.bin"), EC).isValid()).isTrue();
        assertThat(ArduinoSignature.verify(seed("arduino-ed25519.bin"), ED).isValid()).isTrue();
        assertThat(ArduinoSignature.verify(seed("arduino-ed25519.bin"), ALL).isValid()).isTrue();
        assertThat(ArduinoSignature.verify(seed("esp8266-rsa-2048-legacy.bin"), RSA).isValid()).isFalse();
    }

    static final String INPUTS = "ArduinoSignatureFuzzTestInputs/verify/";

    private static byte[] seed(String name) {
        return Fixtures.bytes(INPUTS + name);
    }

    /** Writes the seed corpus; run from the core module directory (once: ECDSA is randomised). */
    public static void main(String[] args) throws IOException {
        byte[] esp8266 = ImageBuilder.esp8266().build();
        byte[] esp32 = ImageBuilder.esp32().build();
        byte[] arduino = ImageBuilder.arduino().payload(3, 64).build();
        Map<String, Supplier<byte[]>> seeds = new LinkedHashMap<>();
        seeds.put("esp8266-rsa-2048.bin", () -> ArduinoSignature.sign(esp8266, Fixtures.signingKey("rsa-2048.key")));
        seeds.put("esp32-ecdsa-p256.bin", () -> ArduinoSignature.sign(esp32, Fixtures.signingKey("ecdsa-p256.key")));
        seeds.put("arduino-ed25519.bin", () -> ArduinoSignature.sign(arduino, Fixtures.signingKey("ed25519.key")));
        seeds.put("esp8266-rsa-2048-legacy.bin", () -> ImageBuilder.signed(Fixtures.image(),
                Fixtures.bytes("image.bin.rsa-2048.legacy.sig")));
        seeds.put("esp8266-unsigned.bin", () -> esp8266);
        seeds.put("length-256-ecdsa-signature.bin", () -> {
            // signing.py writes the length word 256 whatever the key: an EC signature with a wrong word
            byte[] sig = Fixtures.bytes("image.bin.ecdsa-p256.sig");
            byte[] out = ImageBuilder.signed(Fixtures.image(), sig);
            out[out.length - 4] = 0;
            out[out.length - 3] = 1;
            return out;
        });
        seeds.put("length-word-only.bin", () -> new byte[] {64, 0, 0, 0});
        seeds.put("trailer-longer-than-file.bin", () -> {
            byte[] out = Arrays.copyOf(esp8266, esp8266.length + 8);
            out[out.length - 4] = 0;
            out[out.length - 3] = 1;
            return out;
        });
        Path dir = Path.of("src/test/resources/org/updraft/core/sign/" + INPUTS);
        Files.createDirectories(dir);
        for (Map.Entry<String, Supplier<byte[]>> seed : seeds.entrySet()) {
            Files.write(dir.resolve(seed.getKey()), seed.getValue().get());
        }
    }
}

package org.updraft.core.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.updraft.testsupport.FuzzFindings;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;

/**
 * Fuzzes {@link ReleaseManifest#parse(String)} with the input as UTF-8 text. Its contract: a manifest,
 * or an {@link IllegalArgumentException} whose message names the problem (and the line where there is
 * one) — not a subclass such as NumberFormatException with the JDK's wording, nothing else. A parsed
 * manifest round-trips through {@link ReleaseManifest#text()} and {@link ReleaseManifest#verify}
 * answers without throwing.
 *
 * <p>Seed corpus: {@code src/test/resources/org/updraft/core/sign/ReleaseManifestFuzzTestInputs/parse/},
 * manifests made with {@link ReleaseManifest#create} and the Ed25519 test key ({@link #main}).
 */
@ExtendWith(FuzzFindings.class)
class ReleaseManifestFuzzTest {

    static final VerifyingKey ED = Fixtures.verifyingKey("ed25519.pub");
    static final VerifyingKey RSA = Fixtures.verifyingKey("rsa-2048.pub");
    static final Instant NOW = Instant.parse("2026-11-27T00:00:00Z");

    @FuzzTest(maxDuration = "60s")
    void parse(byte[] data) {
        FuzzFindings.input(data);
        String text = new String(data, StandardCharsets.UTF_8);
        ReleaseManifest manifest;
        try {
            manifest = ReleaseManifest.parse(text);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasNoCause().isExactlyInstanceOf(IllegalArgumentException.class);
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(ReleaseManifest.parse(manifest.text())).isEqualTo(manifest);
        assertThat(manifest.signedText()).doesNotContain("\nsignature=");
        assertThat(manifest.verify(List.of(ED, RSA), NOW)).isNotNull();
        assertThat(manifest.verify(List.of(), NOW).isValid()).isFalse();
    }

    @Test
    void theSeedManifestsVerify() {
        for (String name : List.of("app.manifest", "nonos-pair.manifest")) {
            ReleaseManifest m = ReleaseManifest.parse(Fixtures.text(INPUTS + name));
            assertThat(m.verify(List.of(ED), NOW).isValid()).as(name).isTrue();
        }
    }

    /**
     * Inputs crash-*-over-long-max.manifest: COUNT allows 19 digits, so 9999999999999999999 passed the
     * pattern and Long.parseLong threw a NumberFormatException ("For input string: …") that named
     * neither the line nor the field. Now an IllegalArgumentException does.
     */
    @Test
    void aCountAboveLongMaxIsRefusedNamingTheLine() {
        assertThatThrownBy(() -> ReleaseManifest.parse(Fixtures.text(INPUTS + "crash-security-counter-over-long-max.manifest")))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 7: security-counter: 9999999999999999999 is larger than the largest allowed, 2^63-1 = "
                        + Long.MAX_VALUE);
        assertThatThrownBy(() -> ReleaseManifest.parse(Fixtures.text(INPUTS + "crash-size-over-long-max.manifest")))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 2: artifact.app.size: 9223372036854775808 is larger than the largest allowed, 2^63-1 = "
                        + Long.MAX_VALUE);
    }

    static final String INPUTS = "ReleaseManifestFuzzTestInputs/parse/";

    /** Writes the seed corpus; run from the core module directory. */
    public static void main(String[] args) throws IOException {
        SigningKey key = Fixtures.signingKey("ed25519.key");
        Instant expires = Instant.parse("2030-01-01T00:00:00Z");
        ReleaseManifest app = ReleaseManifest.create("blink", "1.4.0",
                List.of(ReleaseManifest.Artifact.of("app", ImageBuilder.esp32().appVersion("1.4.0").build())),
                7, expires, key);
        ReleaseManifest pair = ReleaseManifest.create("nonos-plug", "2.0.1+build.5",
                List.of(ReleaseManifest.Artifact.of("user1", ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).build()),
                        ReleaseManifest.Artifact.of("user2", ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).build())),
                0, expires, key);
        Path dir = Path.of("src/test/resources/org/updraft/core/sign/" + INPUTS);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("app.manifest"), app.text(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("nonos-pair.manifest"), pair.text(), StandardCharsets.UTF_8);
        // field order is free on input
        List<String> lines = app.text().lines().toList();
        StringBuilder reversed = new StringBuilder();
        for (int i = lines.size() - 1; i >= 0; i--) {
            reversed.append(lines.get(i)).append('\n');
        }
        Files.writeString(dir.resolve("app-reordered.manifest"), reversed, StandardCharsets.UTF_8);
    }
}

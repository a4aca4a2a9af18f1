package org.updraft.core.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Canonical bytes, signature over them, tampering, expiry, trust, and strict parsing. */
class ReleaseManifestTest {

    static final SigningKey ED = Fixtures.signingKey("ed25519.key");
    static final VerifyingKey ED_PUB = Fixtures.verifyingKey("ed25519.pub");
    static final Instant EXPIRES = Instant.parse("2030-01-01T00:00:00Z");
    static final Instant NOW = Instant.parse("2029-06-01T12:00:00Z");
    static final String APP_SHA = "d4bc00c64812cbc531452f8b26eeff1ed1b6f0abdd47ba42550026898f324d7c";
    static final String USER1_SHA = "0000000000000000000000000000000000000000000000000000000000000001";

    static ReleaseManifest manifest() {
        return ReleaseManifest.create("thermostat", "1.4.0",
                List.of(new ReleaseManifest.Artifact("user1", USER1_SHA, 200_000), ReleaseManifest.Artifact.of("app", Fixtures.image())),
                7, EXPIRES.plusMillis(999), ED);
    }

    @Test
    void canonicalFormIsExact() {
        ReleaseManifest m = manifest();
        String signed = """
                artifact.app.sha256=%s
                artifact.app.size=6304
                artifact.user1.sha256=%s
                artifact.user1.size=200000
                expires=2030-01-01T00:00:00Z
                format=updraft-release-manifest/1
                key-id=%s
                product=thermostat
                security-counter=7
                version=1.4.0
                """.formatted(APP_SHA, USER1_SHA, Fixtures.ED_FINGERPRINT);
        assertThat(m.signedText()).isEqualTo(signed);
        assertThat(m.text()).isEqualTo(signed.replace("version=", "signature=" + m.signature() + "\nversion="));
        // Ed25519 is deterministic: the signature over these bytes is fixed for this key
        assertThat(m.signature()).hasSize(88).endsWith("==");
        assertThat(manifest().text()).isEqualTo(m.text());
        assertThat(ReleaseManifest.parse(m.text())).isEqualTo(m);
        assertThat(m.artifact("app").orElseThrow().matches(Fixtures.image())).isTrue();
        assertThat(m.artifact("user1").orElseThrow().matches(Fixtures.image())).isFalse();
    }

    @Test
    void validBeforeExpiryWithATrustedKey() {
        assertThat(manifest().verify(List.of(Fixtures.verifyingKey("rsa-2048.pub"), ED_PUB), NOW))
                .isEqualTo(new Verification.Valid(Fixtures.ED_FINGERPRINT, KeyAlgorithm.ED25519));
        // field order on input is free; the signature covers the canonical form
        String[] lines = manifest().text().split("\n");
        java.util.Collections.reverse(java.util.Arrays.asList(lines));
        assertThat(ReleaseManifest.parse(String.join("\n", lines)).verify(List.of(ED_PUB), NOW).isValid()).isTrue();
    }

    @Test
    void expired() {
        assertThat(manifest().verify(List.of(ED_PUB), EXPIRES)).isEqualTo(
                new Verification.Invalid("expired at 2030-01-01T00:00:00Z (now 2030-01-01T00:00:00Z)"));
        assertThat(manifest().verify(List.of(ED_PUB), EXPIRES.plusSeconds(86_400).plusMillis(500)))
                .isEqualTo(new Verification.Invalid("expired at 2030-01-01T00:00:00Z (now 2030-01-02T00:00:00Z)"));
    }

    @Test
    void untrustedKey() {
        VerifyingKey other = KeyAlgorithm.ED25519.generate().verifyingKey();
        assertThat(manifest().verify(List.of(other), NOW)).isEqualTo(new Verification.Invalid("untrusted key "
                + Fixtures.ED_FINGERPRINT + ": not among the 1 trusted key (" + other.fingerprint() + ")"));
        assertThat(manifest().verify(List.of(), NOW)).isEqualTo(new Verification.Invalid("untrusted key "
                + Fixtures.ED_FINGERPRINT + ": not among the 0 trusted keys"));
    }

    @Test
    void everyTamperedFieldFailsTheSignature() {
        String text = manifest().text();
        String bad = "bad signature: the manifest does not verify with key " + Fixtures.ED_FINGERPRINT;
        List<String[]> edits = List.of(
                new String[] {"product=thermostat", "product=thermostat2"},
                new String[] {"version=1.4.0", "version=1.4.1"},
                new String[] {"security-counter=7", "security-counter=8"},
                new String[] {"expires=2030-01-01T00:00:00Z", "expires=2031-01-01T00:00:00Z"},
                new String[] {"artifact.app.size=6304", "artifact.app.size=6305"},
                new String[] {"artifact.app.sha256=d4", "artifact.app.sha256=e4"},
                new String[] {"artifact.user1.", "artifact.user2."},
                new String[] {"artifact.user1.sha256=" + USER1_SHA + "\nartifact.user1.size=200000\n", ""});
        for (String[] edit : edits) {
            assertThat(text).contains(edit[0]);
            ReleaseManifest tampered = ReleaseManifest.parse(text.replace(edit[0], edit[1]));
            assertThat(tampered.verify(List.of(ED_PUB), NOW)).as(edit[0]).isEqualTo(new Verification.Invalid(bad));
        }
        // a flipped signature bit
        ReleaseManifest m = manifest();
        byte[] sig = java.util.Base64.getDecoder().decode(m.signature());
        sig[10] ^= 1;
        String flipped = text.replace(m.signature(), java.util.Base64.getEncoder().encodeToString(sig));
        assertThat(ReleaseManifest.parse(flipped).verify(List.of(ED_PUB), NOW)).isEqualTo(new Verification.Invalid(bad));
        // the key id swapped for another trusted key: the signature does not move
        SigningKey other = KeyAlgorithm.ED25519.generate();
        ReleaseManifest moved = ReleaseManifest.parse(text.replace(Fixtures.ED_FINGERPRINT, other.fingerprint()));
        assertThat(moved.verify(List.of(ED_PUB, other.verifyingKey()), NOW)).isEqualTo(new Verification.Invalid(
                "bad signature: the manifest does not verify with key " + other.fingerprint()));
    }

    @Test
    void onlyEd25519Signs() {
        assertThatThrownBy(() -> ReleaseManifest.create("p", "1", List.of(ReleaseManifest.Artifact.of("app", new byte[1])),
                0, EXPIRES, Fixtures.signingKey("rsa-2048.key")))
                .hasMessage("release manifests are signed with Ed25519; the key is RSA-2048 " + Fixtures.RSA_FINGERPRINT);
    }

    @Test
    void parseErrorsNameTheLine() {
        String text = manifest().text();
        assertParse(text + "color=blue\n", "line 12: unknown field 'color'; expected artifact.ROLE.sha256, artifact.ROLE.size,"
                + " expires, format, key-id, product, security-counter, signature, version");
        assertParse(text + "version=1.4.0\n", "line 12: duplicate field 'version' (first on line 11)");
        assertParse(text.replace("product=thermostat\n", ""), "missing field 'product'");
        assertParse(text.replace("artifact.app.size=6304\n", ""), "missing field 'artifact.app.size'");
        assertParse(text.replaceAll("artifact[^\n]*\n", ""), "missing field 'artifact.ROLE.sha256': a manifest needs at least one artifact");
        assertParse(text.replace("artifact.app.sha256=d4", "artifact.app.sha256=D4"),
                "line 1: artifact.app.sha256: expected 64 lower-case hex digits, got 'D4" + APP_SHA.substring(2) + "'");
        assertParse(text.replace("artifact.app.sha256=d4", "artifact.app.sha256="),
                "line 1: artifact.app.sha256: expected 64 lower-case hex digits, got '" + APP_SHA.substring(2) + "'");
        assertParse(text.replace("artifact.app.size=6304", "artifact.app.size=06304"),
                "line 2: artifact.app.size: expected a decimal byte count, got '06304'");
        assertParse(text.replace("security-counter=7", "security-counter=-1"),
                "line 9: security-counter: expected a non-negative decimal integer without leading zeros, got '-1'");
        assertParse(text.replace("expires=2030-01-01T00:00:00Z", "expires=2030-01-01"),
                "line 5: expires: expected yyyy-MM-ddTHH:mm:ssZ (UTC), got '2030-01-01'");
        assertParse(text.replace("expires=2030-01-01T00:00:00Z", "expires=2030-02-30T00:00:00Z"),
                "line 5: expires: not a date and time: '2030-02-30T00:00:00Z'");
        String sig = manifest().signature();
        assertParse(text.replace(sig, "not*base64"), "line 10: signature: not base64 (Illegal base64 character 2a)");
        assertParse(text.replace(sig, sig.substring(4)), "line 10: signature: 61 bytes; expected the padded base64 of 64 bytes (Ed25519)");
        assertParse(text.replace("format=updraft-release-manifest/1", "format=updraft-release-manifest/2"),
                "line 6: format 'updraft-release-manifest/2' is not supported; expected updraft-release-manifest/1");
        assertParse(text.replace("key-id=SHA256:", "key-id=MD5:"),
                "line 7: key-id: expected SHA256: followed by 43 base64 characters, got 'MD5:" + Fixtures.ED_FINGERPRINT.substring(7) + "'");
        assertParse(text.replace("product=thermostat", "product=Thermo Stat"),
                "line 8: product: expected [a-z0-9][a-z0-9._-]{0,63}, got 'Thermo Stat'");
        assertParse(text.replace("artifact.user1.", "artifact.User/1."),
                "line 3: artifact role must match [a-z0-9][a-z0-9_-]{0,31}, got 'User/1'");
        assertParse(text.replace("\n", "\r\n"), "line 1: carriage return; manifests use LF line ends");
        assertParse(text + "\n", "line 12: blank line; expected key=value");
        assertParse("<html>\n", "line 1: expected key=value, got '<html>'");
        assertParse("", "empty manifest; expected key=value lines starting with artifact.ROLE.sha256=…");
    }

    private static void assertParse(String text, String message) {
        assertThatThrownBy(() -> ReleaseManifest.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void signedTextIsAscii() {
        assertThat(manifest().signedText().getBytes(StandardCharsets.UTF_8)).hasSize(manifest().signedText().length());
    }
}

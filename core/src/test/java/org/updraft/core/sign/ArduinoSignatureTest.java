package org.updraft.core.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.image.SignatureTrailer;

/** image || sig || u32le(len): OpenSSL/signing.py compatibility, round trips, and every way verification fails. */
class ArduinoSignatureTest {

    static final SigningKey RSA = Fixtures.signingKey("rsa-2048.key");
    static final VerifyingKey RSA_PUB = Fixtures.verifyingKey("rsa-2048.pub");
    static final String DOES_NOT_VERIFY = "signature does not verify with key " + Fixtures.RSA_FINGERPRINT;

    static byte[] opensslSigned(String signature) {
        return ImageBuilder.signed(Fixtures.image(), Fixtures.bytes(signature));
    }

    // ---- compatibility with OpenSSL and tools/signing.py -------------------------------------------

    @Test
    void rsaSignatureIsByteForByteWhatSigningPyWrites() {
        // signing.py: data || openssl dgst -sha256 -sign || 00 01 00 00; PKCS#1 v1.5 is deterministic
        byte[] expected = opensslSigned("image.bin.rsa-2048.sig");
        assertThat(ArduinoSignature.sign(Fixtures.image(), RSA)).isEqualTo(expected);
        assertThat(Arrays.copyOfRange(expected, expected.length - 4, expected.length)).containsExactly(0, 1, 0, 0);
        assertThat(expected.length).isEqualTo(6304 + 260);
    }

    @Test
    void opensslSignaturesVerify() {
        assertThat(ArduinoSignature.verify(opensslSigned("image.bin.rsa-2048.sig"), RSA_PUB))
                .isEqualTo(new Verification.Valid(Fixtures.RSA_FINGERPRINT, KeyAlgorithm.RSA_2048));
        assertThat(ArduinoSignature.verify(opensslSigned("image.bin.ecdsa-p256.sig"), Fixtures.verifyingKey("ecdsa-p256.pub")))
                .isEqualTo(new Verification.Valid(Fixtures.EC_FINGERPRINT, KeyAlgorithm.ECDSA_P256));
        assertThat(ArduinoSignature.verify(opensslSigned("image.bin.ed25519.sig"), Fixtures.verifyingKey("ed25519.pub")))
                .isEqualTo(new Verification.Valid(Fixtures.ED_FINGERPRINT, KeyAlgorithm.ED25519));
    }

    @Test
    void ed25519SignatureIsByteForByteWhatOpensslWrites() {
        // pure Ed25519 is deterministic too (RFC 8032): the same bytes as openssl pkeyutl -sign -rawin
        byte[] signed = ArduinoSignature.sign(Fixtures.image(), Fixtures.signingKey("ed25519.key"));
        assertThat(signed).isEqualTo(opensslSigned("image.bin.ed25519.sig"));
    }

    @Test
    void ecdsaSignaturesAreDerAsOpensslMakesThem() throws Exception {
        // ECDSA is randomised: check the encoding and that the JDK verifier OpenSSL's output passed also passes ours
        byte[] signed = ArduinoSignature.sign(Fixtures.image(), Fixtures.signingKey("ecdsa-p256.key"));
        int sigLen = signed.length - 6304 - 4;
        assertThat(sigLen).isBetween(64, 72);
        assertThat(signed[6304]).isEqualTo((byte) 0x30); // DER SEQUENCE, like image.bin.ecdsa-p256.sig
        assertThat(Fixtures.bytes("image.bin.ecdsa-p256.sig")[0]).isEqualTo((byte) 0x30);
        assertThat(ArduinoSignature.verify(signed, Fixtures.verifyingKey("ecdsa-p256.pub")).isValid()).isTrue();
        // one Updraft made and openssl dgst -verify accepted (the fixtures' README.md)
        assertThat(ArduinoSignature.verify(opensslSigned("updraft-ecdsa-p256.sig"), Fixtures.verifyingKey("ecdsa-p256.pub")))
                .isEqualTo(new Verification.Valid(Fixtures.EC_FINGERPRINT, KeyAlgorithm.ECDSA_P256));
    }

    // ---- round trips ----------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void roundTrip(KeyAlgorithm algorithm) throws Exception {
        SigningKey key = algorithm.generate();
        byte[] image = ImageBuilder.esp8266().payload(5, 3000).build();
        byte[] signed = ArduinoSignature.sign(image, key);
        assertThat(Arrays.copyOf(signed, image.length)).isEqualTo(image);
        SignatureTrailer trailer = FirmwareImage.parse(signed).signature().orElseThrow();
        assertThat(trailer.signedLength()).isEqualTo(image.length);
        assertThat(trailer.signatureLength()).isEqualTo(signed.length - image.length - 4);
        assertThat(ArduinoSignature.verify(signed, key.verifyingKey()))
                .isEqualTo(new Verification.Valid(key.fingerprint(), algorithm));
    }

    @Test
    void gzipImagesAreSignedAfterCompression() throws Exception {
        byte[] gz = ImageBuilder.gzip(ImageBuilder.arduino().payload(2, 10_000).build());
        byte[] signed = ArduinoSignature.sign(gz, RSA);
        assertThat(FirmwareImage.parse(signed).gzipped()).isTrue();
        assertThat(FirmwareImage.parse(signed).signature()).contains(new SignatureTrailer(256, gz.length));
        assertThat(ArduinoSignature.verify(signed, RSA_PUB).isValid()).isTrue();
    }

    // ---- what sign refuses ------------------------------------------------------------------------------

    @Test
    void signRefusesWhatIsNotAnImage() {
        byte[] html = "<!DOCTYPE html>\n<html><title>Index of /fw</title></html>\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ArduinoSignature.sign(html, RSA)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("refusing to sign: not a firmware image: starts with '<!DOCTYPE html>' (looks like an HTML"
                        + " directory listing); an ESP image starts with byte 0xE9 (or 0xEA for NONOS user1/user2,"
                        + " 0x1F 0x8B for gzip)");
        byte[] truncated = ImageBuilder.truncate(Fixtures.image(), 3000);
        assertThatThrownBy(() -> ArduinoSignature.sign(truncated, RSA)).hasMessageStartingWith("refusing to sign: truncated");
        // raw signing is explicit
        byte[] signedHtml = ArduinoSignature.signRaw(html, RSA);
        assertThat(ArduinoSignature.verify(signedHtml, RSA_PUB).isValid()).isTrue();
    }

    @Test
    void signRefusesAnImageThatIsAlreadySigned() {
        byte[] signed = opensslSigned("image.bin.rsa-2048.sig");
        assertThatThrownBy(() -> ArduinoSignature.sign(signed, RSA))
                .hasMessage("refusing to sign: the image is already signed (a 256-byte signature follows its first"
                        + " 6304 bytes); sign the unsigned image");
    }

    // ---- every way verification fails, with the reason -------------------------------------------------

    @Test
    void unsignedImageHasNoTrailer() {
        assertThat(ArduinoSignature.verify(Fixtures.image(), RSA_PUB)).isEqualTo(new Verification.Invalid(
                "no signature trailer: the file is a complete Arduino ESP8266 sketch (eboot + app) with nothing after it"));
        assertThat(ArduinoSignature.verify(new byte[3], RSA_PUB))
                .isEqualTo(new Verification.Invalid("no signature trailer: the file has only 3 bytes"));
    }

    @Test
    void wrongLengthWord() {
        byte[] signed = opensslSigned("image.bin.rsa-2048.sig");
        signed[signed.length - 3] = 2; // 0x200 = 512
        assertThat(ArduinoSignature.verify(signed, RSA_PUB))
                .isEqualTo(new Verification.Invalid("signature length 512 does not match the 2048-bit key (256)"));
    }

    @Test
    void signatureOfAnotherKeyTypeHasTheWrongLength() {
        byte[] ecSigned = opensslSigned("image.bin.ecdsa-p256.sig");
        assertThat(ArduinoSignature.verify(ecSigned, RSA_PUB))
                .isEqualTo(new Verification.Invalid("signature length 72 does not match the 2048-bit key (256)"));
        byte[] rsaSigned = opensslSigned("image.bin.rsa-2048.sig");
        assertThat(ArduinoSignature.verify(rsaSigned, Fixtures.verifyingKey("ed25519.pub")))
                .isEqualTo(new Verification.Invalid("signature length 256 does not match the Ed25519 key (64)"));
    }

    @Test
    void signingPyEcOutputContradictsItself() {
        // signing.py writes 00 01 00 00 (256) after a 72-byte DER signature
        byte[] image = Fixtures.image();
        byte[] sig = Fixtures.bytes("image.bin.ecdsa-p256.sig");
        byte[] out = Arrays.copyOf(image, image.length + sig.length + 4);
        System.arraycopy(sig, 0, out, image.length, sig.length);
        out[out.length - 3] = 1;
        assertThat(ArduinoSignature.verify(out, Fixtures.verifyingKey("ecdsa-p256.pub"))).isEqualTo(new Verification.Invalid(
                "signature length 256 does not match the ECDSA P-256 key (8 to 72, DER); signing.py writes 256 for every key type"));
    }

    @Test
    void truncatedFiles() {
        byte[] signed = opensslSigned("image.bin.rsa-2048.sig");
        // cut at the end: the length word is gone, the last 4 signature bytes are read as one
        byte[] cutEnd = ImageBuilder.truncate(signed, signed.length - 100);
        assertThat(ArduinoSignature.verify(cutEnd, RSA_PUB)).isInstanceOf(Verification.Invalid.class)
                .extracting(v -> ((Verification.Invalid) v).reason()).asString()
                .startsWith("signature length ").endsWith(" does not match the 2048-bit key (256)");
        // bytes missing inside the image: the digest changes
        byte[] cutMiddle = new byte[signed.length - 1000];
        System.arraycopy(signed, 0, cutMiddle, 0, 2000);
        System.arraycopy(signed, 3000, cutMiddle, 2000, signed.length - 3000);
        assertThat(ArduinoSignature.verify(cutMiddle, RSA_PUB)).isEqualTo(new Verification.Invalid(DOES_NOT_VERIFY));
        // only a trailer left
        byte[] onlyTrailer = Arrays.copyOfRange(signed, signed.length - 200, signed.length);
        assertThat(ArduinoSignature.verify(onlyTrailer, RSA_PUB)).isEqualTo(new Verification.Invalid(
                "truncated: the length word declares a 256-byte signature but only 196 bytes precede it"));
    }

    @Test
    void flippedByteInImageOrSignature() {
        for (int at : new int[] {0, 3, 0x1000, 6303}) {
            byte[] signed = opensslSigned("image.bin.rsa-2048.sig");
            signed[at] ^= 0x01;
            assertThat(ArduinoSignature.verify(signed, RSA_PUB)).as("image byte %d", at)
                    .isEqualTo(new Verification.Invalid(DOES_NOT_VERIFY));
        }
        for (int at : new int[] {6304, 6304 + 128, 6304 + 255}) {
            byte[] signed = opensslSigned("image.bin.rsa-2048.sig");
            signed[at] ^= 0x01;
            assertThat(ArduinoSignature.verify(signed, RSA_PUB)).as("signature byte %d", at)
                    .isEqualTo(new Verification.Invalid(DOES_NOT_VERIFY));
        }
        byte[] ec = opensslSigned("image.bin.ecdsa-p256.sig");
        ec[6304 + 1] ^= 0x40; // break the DER itself
        assertThat(ArduinoSignature.verify(ec, Fixtures.verifyingKey("ecdsa-p256.pub")))
                .isEqualTo(new Verification.Invalid("signature does not verify with key " + Fixtures.EC_FINGERPRINT));
    }

    @Test
    void wrongKey() {
        SigningKey other = KeyAlgorithm.RSA_2048.generate();
        byte[] signed = ArduinoSignature.sign(Fixtures.image(), other);
        assertThat(ArduinoSignature.verify(signed, RSA_PUB)).isEqualTo(new Verification.Invalid(DOES_NOT_VERIFY));
        assertThat(ArduinoSignature.verify(signed, List.of(RSA_PUB, other.verifyingKey())))
                .isEqualTo(new Verification.Valid(other.fingerprint(), KeyAlgorithm.RSA_2048));
        assertThat(ArduinoSignature.verify(signed, List.of(RSA_PUB, Fixtures.verifyingKey("ed25519.pub"))))
                .isEqualTo(new Verification.Invalid("the signature verifies with none of the 2 trusted keys: "
                        + DOES_NOT_VERIFY + "; signature length 256 does not match the Ed25519 key (64)"));
    }

    @Test
    void legacyRawDigestSignatureIsRejectedLikeTheDevice() {
        byte[] legacy = opensslSigned("image.bin.rsa-2048.legacy.sig");
        String reason = DOES_NOT_VERIFY + ": it is a legacy raw-digest signature (signing.py --legacy, openssl rsautl"
                + " over the bare SHA-256, for cores up to 2.5.2), which current cores reject; re-sign the unsigned image";
        assertThat(ArduinoSignature.verify(legacy, RSA_PUB)).isEqualTo(new Verification.Invalid(reason));
        assertThat(ArduinoSignature.verifyAsEsp8266(legacy, RSA_PUB)).isEqualTo(new Verification.Invalid(reason));
    }

    // ---- the stock ESP8266 core ---------------------------------------------------------------------------

    @Test
    void esp8266AcceptsRsaAsVerifyDoes() {
        assertThat(ArduinoSignature.verifyAsEsp8266(opensslSigned("image.bin.rsa-2048.sig"), RSA_PUB))
                .isEqualTo(new Verification.Valid(Fixtures.RSA_FINGERPRINT, KeyAlgorithm.RSA_2048));
        assertThat(ArduinoSignature.verifyAsEsp8266(Fixtures.image(), RSA_PUB)).isEqualTo(new Verification.Invalid(
                "no signature trailer: the file is a complete Arduino ESP8266 sketch (eboot + app) with nothing after it"));
    }

    @Test
    void esp8266CannotVerifyEcdsaOrEd25519() {
        VerifyingKey ec = Fixtures.verifyingKey("ecdsa-p256.pub");
        assertThat(ArduinoSignature.verifyAsEsp8266(opensslSigned("image.bin.ecdsa-p256.sig"), ec)).isEqualTo(
                new Verification.Invalid("signature length 72 does not match the ECDSA P-256 key (65: the ESP8266 core"
                        + " expects as many bytes as the key's public point has)"));
        byte[] sixtyFive = ImageBuilder.signed(Fixtures.image(), new byte[65]);
        assertThat(ArduinoSignature.verifyAsEsp8266(sixtyFive, ec)).isEqualTo(new Verification.Invalid(
                "the ESP8266 core cannot verify ECDSA signatures: it requires 65 signature bytes and its raw ECDSA"
                        + " verifier rejects odd lengths; sign ESP8266 images with RSA-2048"));
        assertThat(ArduinoSignature.verifyAsEsp8266(opensslSigned("image.bin.ed25519.sig"), Fixtures.verifyingKey("ed25519.pub")))
                .isEqualTo(new Verification.Invalid("the ESP8266 core cannot use Ed25519 keys: BearSSL's PublicKey reads"
                        + " RSA and EC keys only, so the Updater expects a 0-byte signature and refuses every image;"
                        + " sign ESP8266 images with RSA-2048"));
    }
}

package org.updraft.server.catalog;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.SignatureTrailer;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.Verification;
import org.updraft.server.problem.Rejection;

/**
 * The upload-time check of an image's Arduino signature trailer ({@code image || sig || u32le(len)})
 * against a product's trusted image keys. What the server accepts is what the device accepts: an
 * ESP8266 product is checked with {@link ArduinoSignature#verifyAsEsp8266} (the stock
 * {@code Updater.cpp} rule), an ESP32 product with {@link ArduinoSignature#verify}.
 *
 * <p>Refusals name one of three reasons: <b>no signature trailer</b>; <b>untrusted key</b> (the
 * signature was made by no trusted key — for RSA this is told apart by opening the signature with
 * each trusted key: a PKCS#1 v1.5 block that does not open was made by another key); <b>bad
 * signature</b> (a trusted key made it, but over other bytes — the image changed after signing — or
 * in the legacy raw-digest form current cores refuse). A signature by a trusted key that does not
 * verify is refused whatever the policy: the device holding that key would refuse it too.
 */
final class SignatureCheck {

    /** DER DigestInfo prefix of SHA-256 (RFC 8017 §9.2 note 1), what br_rsa_pkcs1_vrfy expects before the hash. */
    private static final byte[] SHA256_DIGEST_INFO = HexFormat.of().parseHex("3031300d060960864801650304020105000420");

    private SignatureCheck() {
    }

    /**
     * The fingerprint of the trusted key the image's signature verifies with; null when the image
     * is unsigned (or signed by an unknown key) and the product allows unsigned images.
     */
    static String signer(Product product, String what, byte[] bytes, FirmwareImage image, List<TrustedKey> keys) {
        List<TrustedKey> imageKeys = keys.stream().filter(TrustedKey::checksImages).toList();
        boolean required = product.signing() == SigningPolicy.REQUIRED;
        String trusted = imageKeys.isEmpty() ? "none" : String.join(", ", imageKeys.stream().map(TrustedKey::describe).toList());
        if (image.signature().isEmpty()) {
            if (required) {
                throw Rejection.unprocessable(what + " rejected: no signature trailer: product '" + product.name()
                        + "' requires images signed with one of its trusted keys (" + trusted + "); sign the image "
                        + "(updraft sign, or the Arduino IDE's signing.py) and upload the signed .bin");
            }
            return null;
        }
        List<String> reasons = new ArrayList<>();
        for (TrustedKey k : imageKeys) {
            Verification v = product.esp8266() ? ArduinoSignature.verifyAsEsp8266(bytes, k.key())
                    : ArduinoSignature.verify(bytes, k.key());
            if (v instanceof Verification.Valid valid) {
                return valid.keyFingerprint();
            }
            String reason = ((Verification.Invalid) v).reason();
            if (k.algorithm() == KeyAlgorithm.RSA_2048 && openedBy(bytes, image.signature().get(), k)) {
                throw Rejection.unprocessable(what + " rejected: bad signature: trusted key " + k.fingerprint()
                        + " made the signature, but it does not verify: " + (reason.contains("legacy") ? reason
                        : "the image bytes changed after signing (the SHA-256 inside the signature is not the image's)"));
            }
            reasons.add(reason);
        }
        if (!required) {
            return null;
        }
        throw Rejection.unprocessable(what + " rejected: untrusted key: the image is signed, but not by a key product '"
                + product.name() + "' trusts (" + trusted + ")" + (reasons.isEmpty() ? "" : " — " + String.join("; ", reasons))
                + "; add the signer's public key (POST /api/v1/products/" + product.name() + "/keys) or sign with a trusted key");
    }

    /**
     * Whether the RSA signature opens with {@code key} to a PKCS#1 v1.5 type-1 block holding a
     * SHA-256 digest (with DigestInfo, or bare as legacy signing.py wrote it): then {@code key} made it.
     */
    private static boolean openedBy(byte[] bytes, SignatureTrailer trailer, TrustedKey key) {
        int at = trailer.signedLength();
        int len = trailer.signatureLength();
        if (at < 0 || len <= 0 || at + len > bytes.length) {
            return false;
        }
        try {
            Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            rsa.init(Cipher.DECRYPT_MODE, key.key().publicKey());
            byte[] payload = rsa.doFinal(Arrays.copyOfRange(bytes, at, at + len));
            if (payload.length == 32) {
                return true;
            }
            return payload.length == SHA256_DIGEST_INFO.length + 32
                    && MessageDigest.isEqual(Arrays.copyOf(payload, SHA256_DIGEST_INFO.length), SHA256_DIGEST_INFO);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}

package org.updraft.core.sign;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.crypto.Cipher;
import org.updraft.core.Validate;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.InvalidImageException;
import org.updraft.core.image.SignatureTrailer;

/**
 * The Arduino ESP8266 signed image: {@code image || sig || u32le(len(sig))}.
 *
 * <p><b>Signing</b>, as esp8266/Arduino {@code tools/signing.py} {@code sign_and_write} does it:
 * "{@code signcmd = [ 'openssl', 'dgst', '-sha256', '-sign', priv_key ]}" over the whole image, then
 * "{@code out.write(data); out.write(signout); out.write(b'\x00\x01\x00\x00')}". For an RSA-2048 key the
 * output is byte for byte what signing.py writes: PKCS#1 v1.5 signatures are deterministic. Two
 * deliberate differences: signing.py writes the length word 256 for every key, which for an EC key
 * (a 70–72-byte DER signature) produces a file whose trailer contradicts itself; Updraft writes the
 * real length. And Ed25519 (64 bytes, over the whole image) is an Updraft extension no stock core
 * verifies.
 *
 * <p><b>Verification</b> follows {@code cores/esp8266/Updater.cpp} {@code UpdaterClass::end}: "{@code
 * if (sigLen != _verify->length())}" → error; "{@code binSize = _size - sigLen - sizeof(uint32_t)}";
 * SHA-256 over {@code [0, binSize)}; then {@code BearSSLHelpers.cpp} {@code SigningVerifier_verify}:
 * "{@code br_rsa_pkcs1_vrfy}" with {@code BR_HASH_OID_SHA256}, i.e. PKCS#1 v1.5 with the SHA-256
 * DigestInfo. A legacy signature ({@code signing.py --legacy}: "{@code openssl rsautl -sign}" over the
 * bare digest, cores up to 2.5.2) has no DigestInfo and is rejected, as on the device.
 *
 * <p>{@link #verify} applies that rule to all three key types (RSA: the modulus length; Ed25519: 64;
 * ECDSA: a DER signature of 8 to 72 bytes). {@link #verifyAsEsp8266} is the device exactly, including
 * what it does with EC keys: {@code SigningVerifier::length()} returns "{@code _pubKey->getEC()->qlen}",
 * the 65-byte uncompressed P-256 point, and the raw verifier it calls,
 * {@code br_ecdsa_i31_vrfy_raw}, starts with "{@code if (sig_len & 1) { return 0; }}": no ECDSA-signed
 * image can pass on a stock ESP8266. Use RSA-2048 for ESP8266 devices.
 */
public final class ArduinoSignature {

    /** The trailing u32 little-endian signature length. */
    static final int LENGTH_WORD = 4;
    /** The longest DER ECDSA P-256 signature: SEQUENCE { INTEGER(33), INTEGER(33) }. */
    static final int MAX_ECDSA_DER = 72;
    static final int MIN_ECDSA_DER = 8;
    /** BearSSL {@code br_ec_public_key.qlen} of a P-256 key: the uncompressed point 04 || X || Y. */
    static final int ESP8266_EC_LENGTH = 65;
    /** The trailer lengths {@link FirmwareImage} recognises (ImageParser: 64 to 1024). */
    private static final int PARSER_MIN = 64;
    private static final int ED25519_BYTES = 64;

    private ArduinoSignature() {
    }

    /**
     * Signs a firmware image. Refuses, with an IllegalArgumentException saying why, an input that is
     * not a valid image ({@link FirmwareImage#parse(byte[])}: HTML, truncated, bad checksum…) and an
     * image that is already signed. Gzip images are signed as they are (sign after compressing).
     *
     * @return {@code image || signature || u32le(len(signature))}
     */
    public static byte[] sign(byte[] image, SigningKey key) {
        Validate.notNull(image, "image");
        Validate.notNull(key, "key");
        FirmwareImage parsed;
        try {
            parsed = FirmwareImage.parse(image);
        } catch (InvalidImageException e) {
            throw new IllegalArgumentException("refusing to sign: " + e.getMessage(), e);
        }
        if (parsed.signature().isPresent()) {
            SignatureTrailer t = parsed.signature().get();
            throw new IllegalArgumentException("refusing to sign: the image is already signed (a "
                    + t.signatureLength() + "-byte signature follows its first " + t.signedLength()
                    + " bytes); sign the unsigned image");
        }
        // ECDSA signatures vary in length; one shorter than the trailers images may carry (64 bytes,
        // about 1 in 2^30) is drawn again so the result always parses as a signed image.
        for (int attempt = 0; ; attempt++) {
            byte[] signed = signRaw(image, key);
            if (signed.length - image.length - LENGTH_WORD >= PARSER_MIN || attempt == 16) {
                return signed;
            }
        }
    }

    /** Signs any bytes, image or not, already signed or not: {@code data || sig || u32le(len(sig))}. */
    public static byte[] signRaw(byte[] data, SigningKey key) {
        Validate.notNull(data, "data");
        Validate.notNull(key, "key");
        byte[] signature = key.sign(data);
        byte[] out = Arrays.copyOf(data, data.length + signature.length + LENGTH_WORD);
        System.arraycopy(signature, 0, out, data.length, signature.length);
        int n = signature.length;
        int at = out.length - LENGTH_WORD;
        out[at] = (byte) n;
        out[at + 1] = (byte) (n >>> 8);
        out[at + 2] = (byte) (n >>> 16);
        out[at + 3] = (byte) (n >>> 24);
        return out;
    }

    /** Checks the trailer against one key (rules in the class comment). */
    public static Verification verify(byte[] signed, VerifyingKey key) {
        Validate.notNull(signed, "signed");
        Validate.notNull(key, "key");
        KeyAlgorithm algorithm = key.algorithm();
        if (signed.length < LENGTH_WORD) {
            return new Verification.Invalid("no signature trailer: the file has only " + signed.length + " bytes");
        }
        long declared = lengthWord(signed);
        boolean lengthOk = switch (algorithm) {
            case RSA_2048 -> declared == key.rsaSignatureBytes();
            case ED25519 -> declared == ED25519_BYTES;
            case ECDSA_P256 -> declared >= MIN_ECDSA_DER && declared <= MAX_ECDSA_DER;
        };
        if (!lengthOk) {
            String expected = switch (algorithm) {
                case RSA_2048 -> "the " + key.rsaSignatureBytes() * 8 + "-bit key (" + key.rsaSignatureBytes() + ")";
                case ED25519 -> "the Ed25519 key (" + ED25519_BYTES + ")";
                case ECDSA_P256 -> "the ECDSA P-256 key (" + MIN_ECDSA_DER + " to " + MAX_ECDSA_DER + ", DER)"
                        + (declared == 256 ? "; signing.py writes 256 for every key type" : "");
            };
            return lengthMismatch(signed, declared, expected);
        }
        return check(signed, (int) declared, key);
    }

    /**
     * Checks the trailer against trusted keys: valid if it verifies with any of them. With several
     * keys the reason lists each key's.
     */
    public static Verification verify(byte[] signed, Collection<VerifyingKey> trusted) {
        Validate.notNull(trusted, "trusted");
        Validate.isTrue(!trusted.isEmpty(), "trusted must name at least one key");
        List<String> reasons = new ArrayList<>();
        for (VerifyingKey key : trusted) {
            Verification v = verify(signed, key);
            if (v instanceof Verification.Valid) {
                return v;
            }
            reasons.add(((Verification.Invalid) v).reason());
        }
        if (reasons.size() == 1) {
            return new Verification.Invalid(reasons.get(0));
        }
        return new Verification.Invalid("the signature verifies with none of the " + trusted.size()
                + " trusted keys: " + String.join("; ", reasons));
    }

    /**
     * What a stock ESP8266 Arduino core with {@code key} installed decides ({@code Updater.cpp},
     * {@code BearSSLHelpers.cpp}, class comment): RSA as {@link #verify}; every ECDSA and Ed25519
     * image is refused, each with the device's reason.
     */
    public static Verification verifyAsEsp8266(byte[] signed, VerifyingKey key) {
        Validate.notNull(signed, "signed");
        Validate.notNull(key, "key");
        return switch (key.algorithm()) {
            case RSA_2048 -> verify(signed, key);
            case ED25519 -> new Verification.Invalid("the ESP8266 core cannot use Ed25519 keys: BearSSL's"
                    + " PublicKey reads RSA and EC keys only, so the Updater expects a 0-byte signature and"
                    + " refuses every image; sign ESP8266 images with RSA-2048");
            case ECDSA_P256 -> {
                if (signed.length < LENGTH_WORD) {
                    yield new Verification.Invalid("no signature trailer: the file has only " + signed.length
                            + " bytes");
                }
                long declared = lengthWord(signed);
                if (declared != ESP8266_EC_LENGTH) {
                    yield lengthMismatch(signed, declared, "the ECDSA P-256 key (" + ESP8266_EC_LENGTH
                            + ": the ESP8266 core expects as many bytes as the key's public point has)");
                }
                yield new Verification.Invalid("the ESP8266 core cannot verify ECDSA signatures: it requires "
                        + ESP8266_EC_LENGTH + " signature bytes and its raw ECDSA verifier rejects odd lengths;"
                        + " sign ESP8266 images with RSA-2048");
            }
        };
    }

    private static Verification check(byte[] signed, int sigLen, VerifyingKey key) {
        int binSize = signed.length - LENGTH_WORD - sigLen;
        if (binSize < 0) {
            return new Verification.Invalid("truncated: the length word declares a " + sigLen
                    + "-byte signature but only " + (signed.length - LENGTH_WORD) + " bytes precede it");
        }
        byte[] signature = Arrays.copyOfRange(signed, binSize, binSize + sigLen);
        String fingerprint = key.fingerprint();
        try {
            Signature s = Signature.getInstance(key.algorithm().jcaSignature());
            s.initVerify(key.publicKey());
            s.update(signed, 0, binSize);
            if (s.verify(signature)) {
                return new Verification.Valid(fingerprint, key.algorithm());
            }
        } catch (GeneralSecurityException e) {
            // a malformed signature (e.g. broken DER) simply does not verify
        }
        String reason = "signature does not verify with key " + fingerprint;
        if (key.algorithm() == KeyAlgorithm.RSA_2048 && isLegacy(signed, binSize, signature, key)) {
            reason += ": it is a legacy raw-digest signature (signing.py --legacy, openssl rsautl over the"
                    + " bare SHA-256, for cores up to 2.5.2), which current cores reject; re-sign the"
                    + " unsigned image";
        }
        return new Verification.Invalid(reason);
    }

    /** Whether the RSA signature opens to the bare SHA-256 of the signed part (no DigestInfo). */
    private static boolean isLegacy(byte[] signed, int binSize, byte[] signature, VerifyingKey key) {
        try {
            Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            rsa.init(Cipher.DECRYPT_MODE, key.publicKey());
            byte[] payload = rsa.doFinal(signature);
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(signed, 0, binSize);
            return MessageDigest.isEqual(payload, sha256.digest());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static Verification lengthMismatch(byte[] signed, long declared, String expected) {
        try {
            FirmwareImage image = FirmwareImage.parse(signed);
            if (image.signature().isEmpty()) {
                return new Verification.Invalid("no signature trailer: the file is a complete "
                        + image.format().description() + " with nothing after it");
            }
        } catch (InvalidImageException e) {
            // not an image as a whole: report the length word, as the device does
        }
        return new Verification.Invalid("signature length " + declared + " does not match " + expected);
    }

    private static long lengthWord(byte[] b) {
        int at = b.length - LENGTH_WORD;
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }
}

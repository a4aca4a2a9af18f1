package org.updraft.device.client;

import java.util.OptionalInt;
import org.updraft.core.sign.VerifyingKey;

/**
 * Arduino ESP8266's {@code UpdaterVerifyClass} as installed by {@code Update.installSignature()}
 * (cores/esp8266 {@code Updater.cpp}, BearSSLHelpers {@code SigningVerifier}). Signed images are
 * {@code image || sig || u32le(len(sig))} (tools/signing.py). Once installed, {@code Updater::end}
 * skips the x-MD5 comparison and instead: reads the trailing u32, which must equal
 * {@link #signatureLength()}; hashes {@code [0, size - 4 - siglen)} with SHA-256; verifies the
 * signature; any failure is {@code ERROR[12]}; the installed image is then only the first
 * {@code size - 4 - siglen} bytes.
 *
 * <p>RSA-2048: PKCS#1 v1.5 with the SHA-256 DigestInfo, {@code signatureLength() == 256}.
 */
public interface SignatureVerifier {

    /** {@code UpdaterVerifyClass::length()}: the key's signature length in bytes. */
    int signatureLength();

    /**
     * Whether {@code written} (all bytes written to flash: image, signature, u32le length) carries
     * a valid signature by the installed key over its image part.
     */
    boolean verify(byte[] written);

    /**
     * {@code UpdaterClass::end} with {@code _verify} set: "{@code if (sigLen != _verify->length())}"
     * → {@code UPDATE_ERROR_SIGN}; "{@code binSize = _size - sigLen - sizeof(uint32_t)}"; then
     * {@code _verify->verify(_hash, sig, sigLen)} or {@code UPDATE_ERROR_SIGN}; on success
     * "{@code _size = binSize}". Returns {@code binSize}, or empty for {@code ERROR[12]}.
     */
    default OptionalInt imageLength(byte[] written) {
        int size = written.length;
        if (size < 4) {
            return OptionalInt.empty();
        }
        long sigLen = (written[size - 4] & 0xFFL) | (written[size - 3] & 0xFFL) << 8
                | (written[size - 2] & 0xFFL) << 16 | (written[size - 1] & 0xFFL) << 24;
        long binSize = size - 4 - sigLen;
        if (sigLen != signatureLength() || binSize <= 0 || !verify(written)) {
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) binSize);
    }

    /**
     * The stock ESP8266 core with {@code key} as its {@code public.key}: core's
     * {@link org.updraft.core.sign.ArduinoSignature#verifyAsEsp8266} decides (RSA as signing.py
     * signs; every ECDSA and Ed25519 image refused, as BearSSL on the device does).
     */
    static SignatureVerifier esp8266(VerifyingKey key) {
        return new Esp8266Verifier(key);
    }
}

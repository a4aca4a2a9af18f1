package org.updraft.device.client;

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
}

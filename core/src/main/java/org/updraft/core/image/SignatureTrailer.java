package org.updraft.core.image;

import org.updraft.core.Validate;

/**
 * A signature appended to an image.
 *
 * <p>Arduino ESP8266 ({@code tools/signing.py}, {@code Updater.cpp}): {@code image || sig ||
 * u32le(len(sig))}; the signature covers the first {@code total - 4 - len(sig)} bytes. For ESP32 a
 * Secure Boot v2 signature sector is reported the same way: {@code signedLength} is the offset of the
 * sector (the image padded to a 4 KiB boundary) and {@code signatureLength} the bytes from there on.
 *
 * @param signatureLength bytes of signature (excluding the 4-byte length word for Arduino)
 * @param signedLength bytes covered by the signature, counted from the start of the file
 */
public record SignatureTrailer(int signatureLength, int signedLength) {

    public SignatureTrailer {
        Validate.notNegative(signatureLength, "signatureLength");
        Validate.notNegative(signedLength, "signedLength");
    }
}

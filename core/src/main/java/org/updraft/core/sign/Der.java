package org.updraft.core.sign;

import java.io.ByteArrayOutputStream;

/**
 * The few DER encodings needed to wrap the "traditional" OpenSSL key bodies into the standard
 * containers the JDK reads (ITU-T X.690 §8, definite lengths): PKCS#1 {@code RSAPrivateKey} and SEC1
 * {@code ECPrivateKey} into PKCS#8 {@code PrivateKeyInfo} (RFC 5208 §5), PKCS#1 {@code RSAPublicKey}
 * into X.509 {@code SubjectPublicKeyInfo} (RFC 5280 §4.1).
 */
final class Der {

    /** AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL } (RFC 8017 A.1). */
    static final byte[] RSA_ALGORITHM = sequence(
            tlv(0x06, bytes(0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01)), bytes(0x05, 0x00));
    /** AlgorithmIdentifier { id-ecPublicKey (1.2.840.10045.2.1), prime256v1 (1.2.840.10045.3.1.7) } (RFC 5480). */
    static final byte[] EC_P256_ALGORITHM = sequence(
            tlv(0x06, bytes(0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01)),
            tlv(0x06, bytes(0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07)));

    private Der() {
    }

    /** PrivateKeyInfo { version 0, algorithm, OCTET STRING key }. */
    static byte[] privateKeyInfo(byte[] algorithm, byte[] key) {
        return sequence(bytes(0x02, 0x01, 0x00), algorithm, tlv(0x04, key));
    }

    /** SubjectPublicKeyInfo { algorithm, BIT STRING key }. */
    static byte[] subjectPublicKeyInfo(byte[] algorithm, byte[] key) {
        byte[] bits = new byte[key.length + 1];
        System.arraycopy(key, 0, bits, 1, key.length);
        return sequence(algorithm, tlv(0x03, bits));
    }

    static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            content.writeBytes(part);
        }
        return tlv(0x30, content.toByteArray());
    }

    static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int octets = n > 0xFFFFFF ? 4 : n > 0xFFFF ? 3 : n > 0xFF ? 2 : 1;
            out.write(0x80 | octets);
            for (int i = octets - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}

package org.updraft.server.artifact;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The two digests ESP clients speak: MD5 (x-MD5, sketch-md5) and SHA-256 (ESP32, ETag, store). */
public final class Digests {

    private Digests() {
    }

    public static byte[] sha256(byte[] bytes) {
        return digest("SHA-256", bytes, 0, bytes.length);
    }

    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256(bytes));
    }

    public static String md5Hex(byte[] bytes) {
        return md5Hex(bytes, 0, bytes.length);
    }

    public static String md5Hex(byte[] bytes, int offset, int length) {
        return HexFormat.of().formatHex(digest("MD5", bytes, offset, length));
    }

    private static byte[] digest(String algorithm, byte[] bytes, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            md.update(bytes, offset, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has " + algorithm, e);
        }
    }
}

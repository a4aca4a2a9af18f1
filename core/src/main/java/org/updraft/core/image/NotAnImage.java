package org.updraft.core.image;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Names what an input is when it is not an image, so the message says what was uploaded by mistake:
 * an HTML page (a web server's directory listing has been flashed as firmware before), JSON,
 * plain text, a ZIP archive, an ELF file or unknown binary.
 */
final class NotAnImage {

    static final String EXPECTED = "an ESP image starts with byte 0xE9"
            + " (or 0xEA for NONOS user1/user2, 0x1F 0x8B for gzip)";

    private NotAnImage() {
    }

    static InvalidImageException empty() {
        return new InvalidImageException(InvalidImageException.Problem.EMPTY,
                "empty: the file has 0 bytes; " + EXPECTED);
    }

    static InvalidImageException explain(byte[] b) {
        return new InvalidImageException(InvalidImageException.Problem.NOT_AN_IMAGE,
                "not a firmware image: " + whatItIs(b));
    }

    static String whatItIs(byte[] b) {
        if (startsWith(b, 0, 0x7F, 'E', 'L', 'F')) {
            return "this is an ELF file (starts with 0x7F 'ELF'); flash the .bin produced by"
                    + " elf2bin/esptool elf2image, not the .elf";
        }
        if (startsWith(b, 0, 'P', 'K', 3, 4) || startsWith(b, 0, 'P', 'K', 5, 6)) {
            return "this is a ZIP archive (starts with 'PK'); unpack it and upload the .bin inside; "
                    + EXPECTED;
        }
        int start = startsWith(b, 0, 0xEF, 0xBB, 0xBF) ? 3 : 0;
        while (start < b.length && isSpace(b[start])) {
            start++;
        }
        if (start < b.length && looksLikeText(b, start)) {
            String head = new String(b, start, Math.min(b.length - start, 512), StandardCharsets.UTF_8);
            String lower = head.toLowerCase(Locale.ROOT);
            String kind;
            if (lower.startsWith("<")) {
                kind = lower.contains("index of") ? "looks like an HTML directory listing"
                        : lower.startsWith("<?xml") && !lower.contains("<html") ? "looks like XML"
                        : "looks like an HTML page";
            } else if (lower.startsWith("{") || lower.startsWith("[")) {
                kind = "looks like JSON";
            } else {
                kind = "looks like plain text";
            }
            return "starts with '" + quote(head) + "' (" + kind + "); " + EXPECTED;
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(4, b.length); i++) {
            hex.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%02X", b[i] & 0xFF));
        }
        return "starts with bytes " + hex + "; " + EXPECTED;
    }

    /** The first line, at most 40 characters. */
    private static String quote(String head) {
        String first = head.lines().findFirst().orElse("").strip();
        return first.length() > 40 ? first.substring(0, 40) + "..." : first;
    }

    static boolean looksLikeText(byte[] b, int start) {
        int end = Math.min(b.length, start + 512);
        for (int i = start; i < end; i++) {
            int c = b[i] & 0xFF;
            if (c < 0x20 && !isSpace(b[i])) {
                return false;
            }
            if (c == 0x7F) {
                return false;
            }
        }
        return true;
    }

    static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean startsWith(byte[] b, int offset, int... expected) {
        if (b.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((b[offset + i] & 0xFF) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}

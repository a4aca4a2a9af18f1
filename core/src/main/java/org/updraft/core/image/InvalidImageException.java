package org.updraft.core.image;

import org.updraft.core.Validate;

/**
 * An input that is not a firmware image that may be flashed. The message says what was found and
 * what was expected, e.g. "checksum mismatch: image says 0x5A, segments give 0x3C".
 */
public final class InvalidImageException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What kind of problem, for callers that branch on it (HTTP status, exit code, metrics). */
    public enum Problem {
        /** Zero bytes. */
        EMPTY,
        /** Wrong magic: HTML, JSON, text, ZIP, ELF, anything not starting 0xE9/0xEA/0x1F8B. */
        NOT_AN_IMAGE,
        /** The data ends before the structure it declares. */
        TRUNCATED,
        /** A header field holds a value the format does not allow. */
        BAD_HEADER,
        /** The XOR checksum byte does not match the segment data. */
        BAD_CHECKSUM,
        /** The v2 (EA) or Arduino (elf2bin) CRC-32 does not match. */
        BAD_CRC,
        /** The appended SHA-256 (ESP32 {@code hash_appended}) does not match. */
        BAD_HASH,
        /** gzip framing, deflate data or gzip CRC/size is broken. */
        BAD_GZIP,
        /** Bytes after the image that are neither a signature trailer nor nothing. */
        TRAILING_DATA,
        /** Well formed but outside what Updraft handles (unknown chip id, too large, nested gzip). */
        UNSUPPORTED
    }

    private final Problem problem;

    public InvalidImageException(Problem problem, String message) {
        super(Validate.notNull(message, "message"));
        this.problem = Validate.notNull(problem, "problem");
    }

    public Problem problem() {
        return problem;
    }
}

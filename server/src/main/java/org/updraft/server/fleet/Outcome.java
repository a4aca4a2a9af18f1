package org.updraft.server.fleet;

/**
 * What a check-in ends in, with the HTTP status the device gets. The codes are chosen from what
 * the stock clients do with them (docs/device-contract.md): 304 is "no update" to
 * ESP8266httpUpdate and ESP32 HTTPUpdate; 200 must carry a validated image; every refusal is a
 * deliberate 4xx (never 3xx: a redirect is -104 on a stock client, or is followed by IDF).
 */
public enum Outcome {
    /** An image is sent (200, or 206 for a range). */
    UPDATE(200, "update"),
    /**
     * The target does not fit the device's free sketch space, so the product's smaller stepping
     * stone is sent (200) first; from it the target fits (docs/rollouts.md, "Stepping stones").
     */
    STEPPING_STONE(200, "stepping-stone"),
    /** The device runs what it should run. */
    UP_TO_DATE(304, "up-to-date"),
    /** The product has no release yet. */
    NO_RELEASE(304, "no-release"),
    /** The device runs a version newer than its target, and the target is not marked as a downgrade. */
    RUNNING_NEWER(304, "running-newer"),
    /**
     * The device asked for something other than a sketch or a file system ({@code x-*-mode} not
     * {@code sketch} or {@code spiffs}), or a file system of a NONOS product (no file system region).
     */
    MODE_NOT_SERVED(304, "mode-not-served"),
    /**
     * A file system request ({@code x-*-mode: spiffs}) answered with the target release's file
     * system image (200); docs/device-contract.md, "Filesystem requests".
     */
    FILESYSTEM(200, "filesystem"),
    /** A file system request from a device that was already sent the target release's file system image in full. */
    FILESYSTEM_CURRENT(304, "filesystem-current"),
    /** A file system request when the target release carries no file system image. */
    NO_FILESYSTEM(304, "no-filesystem"),
    /** /version answered with the assigned version. */
    VERSION(200, "version"),
    /** Malformed identity or header. */
    BAD_REQUEST(400, "bad-request"),
    /** No product at this path. */
    UNKNOWN_PRODUCT(404, "unknown-product"),
    /** A device of another chip family (ESP32 headers at an ESP8266 product, or the reverse). */
    WRONG_CHIP(409, "wrong-chip"),
    /** The device's flash chip is smaller than the image's declared flash size. */
    CHIP_TOO_SMALL(409, "chip-too-small"),
    /** The image is larger than the device's free sketch space. */
    INSUFFICIENT_SPACE(409, "insufficient-space"),
    /**
     * The target's security counter is below the highest of any release the device has run
     * (installed or confirmed): nothing is offered, as with any other "nothing to do".
     */
    BELOW_SECURITY_COUNTER(304, "below-security-counter"),
    /** Token enrollment: no token, or a token that is not this device's. */
    UNAUTHENTICATED(401, "unauthenticated"),
    /** Allowlist or token enrollment: the device is not enrolled for this product. */
    NOT_ENROLLED(403, "not-enrolled"),
    /** Token enrollment: the device's token was revoked. */
    REVOKED(403, "revoked"),
    /** Too many requests from this address or this device; the answer carries Retry-After. */
    RATE_LIMITED(429, "rate-limited"),
    /**
     * The server cannot keep what the check-in would write (its data directory's file system is
     * below its reserve, or writes fail for lack of space): nothing is sent, nothing recorded.
     */
    STORAGE_FULL(507, "storage-full"),
    /** The server's writes are failing for another reason (the database refuses commits). */
    STORAGE_FAILING(503, "storage-failing"),
    /**
     * The image to send does not hash to its SHA-256 any more (flipped, truncated or missing
     * file): not a byte of it is sent and the device keeps its firmware.
     */
    CORRUPT_ARTIFACT(500, "corrupt-artifact");

    private final int status;
    private final String id;

    Outcome(int status, String id) {
        this.status = status;
        this.id = id;
    }

    public int status() {
        return status;
    }

    /** The value of {@code X-Updraft-Reason} and of the metrics label. */
    public String id() {
        return id;
    }

    public boolean sendsImage() {
        return this == UPDATE || this == STEPPING_STONE || this == FILESYSTEM;
    }

    /**
     * Whether the check-in may register or update the device row and timeline: refusals of
     * devices that are not admitted (or are flooding) never create rows.
     */
    public boolean registers() {
        return this != UNAUTHENTICATED && this != NOT_ENROLLED && this != REVOKED && this != RATE_LIMITED
                && this != STORAGE_FULL && this != STORAGE_FAILING;
    }
}

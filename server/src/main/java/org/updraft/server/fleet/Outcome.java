package org.updraft.server.fleet;

/**
 * What a check-in ends in, with the HTTP status the device gets. The codes are chosen from what
 * the stock clients do with them (reference/device-protocols.md §1): 304 is "no update" to
 * ESP8266httpUpdate and ESP32 HTTPUpdate; 200 must carry a validated image; every refusal is a
 * deliberate 4xx (never 3xx: a redirect is -104 on a stock client, or is followed by IDF).
 */
public enum Outcome {
    /** An image is sent (200, or 206 for a range). */
    UPDATE(200, "update"),
    /** The device runs what it should run. */
    UP_TO_DATE(304, "up-to-date"),
    /** The product has no release yet. */
    NO_RELEASE(304, "no-release"),
    /** The device runs a version newer than its target, and the target is not marked as a downgrade. */
    RUNNING_NEWER(304, "running-newer"),
    /** The device asked for a filesystem (spiffs) image; Updraft serves sketch images only. */
    MODE_NOT_SERVED(304, "mode-not-served"),
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
    INSUFFICIENT_SPACE(409, "insufficient-space");

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
        return this == UPDATE;
    }
}

package org.updraft.server.fleet;

import java.time.Instant;
import java.util.Locale;
import org.updraft.server.problem.Rejection;
import java.util.function.Function;

/**
 * One request of a device, as the stock clients send it.
 *
 * <p>ESP8266httpUpdate sends {@code x-ESP8266-STA-MAC}, {@code -free-space}, {@code -sketch-size},
 * {@code -sketch-md5}, {@code -chip-size}, {@code -sdk-version}, {@code -mode}, optional
 * {@code -version} and (since 2.6.0) {@code -Chip-ID}; ESP32 HTTPUpdate the same under
 * {@code x-ESP32-} plus {@code -sketch-sha256} (upper-case hex) and no Chip-ID. Header names are
 * case-insensitive. Clients that cannot add headers (NONOS, esp_https_ota) identify themselves with
 * {@code ?mac=&version=}.
 *
 * @param family     "esp8266", "esp32", or null when no x-ESP headers were sent
 * @param mac        normalised station MAC, or null for an anonymous request
 * @param nonosSlot  for NONOS: 1 or 2, the user bin requested (the slot the device is NOT running); else 0
 * @param resumeFrom the first byte of a {@code Range: bytes=N-} request with N &gt; 0 (esp_https_ota
 *                   resuming a broken download), else 0
 */
public record CheckIn(Endpoint endpoint, String productPath, String family, String mac, String chipId,
                      Long chipSize, Long freeSpace, Long sketchSize, String sketchMd5, String sketchSha256,
                      String sdkVersion, String mode, String version, int nonosSlot, String address, Instant at,
                      long resumeFrom) {

    private static final int MAX_TEXT = 64;
    /** Characters refused in the free-text values a device reports: HTML/XML markup and quoting. */
    static final String MARKUP = "<>\"'&";
    /**
     * device.chip_id is VARCHAR(16) (ESP.getChipId() is at most 10 decimal digits): a longer value
     * would fail the check-in writer's whole batch, every other device's rows with it.
     */
    private static final int MAX_CHIP_ID = 16;

    /**
     * Reads a check-in from request headers and query parameters.
     *
     * @throws IllegalArgumentException naming the header and what was expected, for malformed input
     */
    public static CheckIn parse(Endpoint endpoint, String productPath, int nonosSlot, Function<String, String> header,
                                Function<String, String> query, String address, Instant at) {
        Headers h = null;
        if (header.apply(Headers.ESP8266.mac) != null || header.apply(Headers.ESP8266.sketchMd5) != null) {
            h = Headers.ESP8266;
        } else if (header.apply(Headers.ESP32.mac) != null || header.apply(Headers.ESP32.sketchSha256) != null) {
            h = Headers.ESP32;
        }
        String family = h == null ? null : h.family;
        String mac = h == null ? null : header.apply(h.mac);
        String macSource = h == null ? null : h.mac + " header";
        if (mac == null) {
            mac = query.apply("mac");
            macSource = "mac parameter";
        }
        String normalisedMac = null;
        if (mac != null && !mac.isEmpty()) {
            try {
                normalisedMac = Mac.parse(mac);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad " + macSource + ": " + e.getMessage());
            }
        }
        String version = h == null ? null : header.apply(h.version);
        if (version == null) {
            version = query.apply("version");
        }
        String md5 = h == null ? null : header.apply(h.sketchMd5);
        String sha = h == null ? null : header.apply(h.sketchSha256);
        return new CheckIn(endpoint, productPath, family, normalisedMac,
                h == null ? null : text(header.apply(h.chipId), h.chipId, MAX_CHIP_ID),
                h == null ? null : number(header.apply(h.chipSize), h.chipSize),
                h == null ? null : number(header.apply(h.freeSpace), h.freeSpace),
                h == null ? null : number(header.apply(h.sketchSize), h.sketchSize),
                hex(md5, 32, h == null ? null : h.sketchMd5, "32 hex digits (MD5)"),
                hex(sha, 64, h == null ? null : h.sketchSha256, "64 hex digits (SHA-256)"),
                h == null ? null : text(header.apply(h.sdkVersion), h.sdkVersion),
                h == null ? null : text(header.apply(h.mode), h.mode),
                text(version == null || version.isBlank() ? null : version.strip(), "version"),
                nonosSlot, address, at, resumeFrom(header.apply("Range")));
    }

    /**
     * The header names of one family, built once: parse() used to concatenate "x-ESP8266-" + name
     * for each of a dozen headers on every check-in (string building, these and the decision's
     * reasons, was ~5 % of the JFR samples of a check-in load).
     */
    private record Headers(String family, String mac, String version, String sketchMd5, String sketchSha256,
                           String chipId, String chipSize, String freeSpace, String sketchSize, String sdkVersion,
                           String mode) {
        static final Headers ESP8266 = of("esp8266", "x-ESP8266-");
        static final Headers ESP32 = of("esp32", "x-ESP32-");

        static Headers of(String family, String p) {
            return new Headers(family, p + "STA-MAC", p + "version", p + "sketch-md5", p + "sketch-sha256", p + "Chip-ID",
                    p + "chip-size", p + "free-space", p + "sketch-size", p + "sdk-version", p + "mode");
        }
    }

    /** N of "bytes=N-" or "bytes=N-M" with N &gt; 0; anything else (no range, suffix, several, malformed) is 0. */
    static long resumeFrom(String range) {
        if (range == null) {
            return 0;
        }
        String r = range.strip();
        if (!r.regionMatches(true, 0, "bytes=", 0, 6) || r.indexOf(',') >= 0) {
            return 0;
        }
        int dash = r.indexOf('-', 6);
        if (dash <= 6 || dash - 6 > 18) {
            return 0;
        }
        String first = r.substring(6, dash).strip();
        for (int i = 0; i < first.length(); i++) {
            if (!Character.isDigit(first.charAt(i))) {
                return 0;
            }
        }
        return first.isEmpty() ? 0 : Long.parseLong(first);
    }

    private static Long number(String v, String name) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad " + name + " header: '" + Rejection.echo(v) + "' is not a non-negative decimal number");
        }
    }

    /** {@code length} hex digits, lower-cased (a loop, not a regex: this runs on every check-in). */
    private static String hex(String v, int length, String name, String expected) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        boolean ok = v.length() == length;
        for (int i = 0; ok && i < length; i++) {
            char c = v.charAt(i);
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }
        if (!ok) {
            throw new IllegalArgumentException("bad " + name + " header: '" + Rejection.echo(v) + "' is not " + expected);
        }
        return v.toLowerCase(Locale.ROOT);
    }

    private static String text(String v, String name) {
        return text(v, name, MAX_TEXT);
    }

    /**
     * Prose a device reports (a report's error detail): null, or at most {@code max} characters
     * without control characters or tags ({@code <>}); quotes and '&amp;' are ordinary prose there
     * ("couldn't connect"). Otherwise IllegalArgumentException naming the problem (never repeating the value).
     */
    public static String deviceProse(String v, String name, int max) {
        return text(v, name, max, "<>");
    }

    private static String text(String v, String name, int max) {
        return text(v, name, max, MARKUP);
    }

    private static String text(String v, String name, int max, String refused) {
        if (v == null) {
            return null;
        }
        if (v.length() > max) {
            throw new IllegalArgumentException("bad " + name + ": " + v.length() + " characters, at most " + max + " expected");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "bad %s: contains the control character U+%04X at "
                        + "position %d; expected printable text like 1.0.0-dev+abc", name, (int) c, i));
            }
            // Stored and shown again (API, CLI, logs, any dashboard): markup has no place in what a
            // stock client sends (versions like "2", "1.0.0-dev+abc", SDK versions like "2.2.2-dev(38a443e)").
            if (refused.indexOf(c) >= 0) {
                throw new IllegalArgumentException("bad " + name + ": contains '" + c + "' at position " + i
                        + "; expected printable text without any of " + refused + (refused.equals(MARKUP) ? ", like 1.0.0-dev+abc" : ""));
            }
        }
        return v;
    }
}

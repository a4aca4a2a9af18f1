package org.updraft.server.fleet;

import java.time.Instant;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One request of a device, as the stock clients send it (reference/device-protocols.md §1, §5).
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

    private static final Pattern HEX32 = Pattern.compile("[0-9A-Fa-f]{32}");
    private static final Pattern HEX64 = Pattern.compile("[0-9A-Fa-f]{64}");
    private static final int MAX_TEXT = 64;

    /**
     * Reads a check-in from request headers and query parameters.
     *
     * @throws IllegalArgumentException naming the header and what was expected, for malformed input
     */
    public static CheckIn parse(Endpoint endpoint, String productPath, int nonosSlot, Function<String, String> header,
                                Function<String, String> query, String address, Instant at) {
        String family = null;
        if (header.apply("x-ESP8266-STA-MAC") != null || header.apply("x-ESP8266-sketch-md5") != null) {
            family = "esp8266";
        } else if (header.apply("x-ESP32-STA-MAC") != null || header.apply("x-ESP32-sketch-sha256") != null) {
            family = "esp32";
        }
        String p = family == null ? null : "x-" + (family.equals("esp8266") ? "ESP8266" : "ESP32") + "-";
        String mac = p == null ? null : header.apply(p + "STA-MAC");
        String macSource = p + "STA-MAC header";
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
        String version = p == null ? null : header.apply(p + "version");
        if (version == null) {
            version = query.apply("version");
        }
        String md5 = p == null ? null : header.apply(p + "sketch-md5");
        String sha = p == null ? null : header.apply(p + "sketch-sha256");
        return new CheckIn(endpoint, productPath, family, normalisedMac,
                p == null ? null : text(header.apply(p + "Chip-ID"), p + "Chip-ID"),
                p == null ? null : number(header.apply(p + "chip-size"), p + "chip-size"),
                p == null ? null : number(header.apply(p + "free-space"), p + "free-space"),
                p == null ? null : number(header.apply(p + "sketch-size"), p + "sketch-size"),
                hex(md5, HEX32, p + "sketch-md5", "32 hex digits (MD5)"),
                hex(sha, HEX64, p + "sketch-sha256", "64 hex digits (SHA-256)"),
                p == null ? null : text(header.apply(p + "sdk-version"), p + "sdk-version"),
                p == null ? null : text(header.apply(p + "mode"), p + "mode"),
                text(version == null || version.isBlank() ? null : version.strip(), "version"),
                nonosSlot, address, at, resumeFrom(header.apply("Range")));
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
            throw new IllegalArgumentException("bad " + name + " header: '" + Mac.abbreviate(v) + "' is not a non-negative decimal number");
        }
    }

    private static String hex(String v, Pattern shape, String name, String expected) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (!shape.matcher(v).matches()) {
            throw new IllegalArgumentException("bad " + name + " header: '" + Mac.abbreviate(v) + "' is not " + expected);
        }
        return v.toLowerCase(Locale.ROOT);
    }

    private static String text(String v, String name) {
        if (v == null) {
            return null;
        }
        if (v.length() > MAX_TEXT) {
            throw new IllegalArgumentException("bad " + name + ": " + v.length() + " characters, at most " + MAX_TEXT + " expected");
        }
        for (int i = 0; i < v.length(); i++) {
            if (Character.isISOControl(v.charAt(i))) {
                throw new IllegalArgumentException("bad " + name + ": contains a control character");
            }
        }
        return v;
    }
}

package org.updraft.device.client;

import java.util.HexFormat;
import java.util.Locale;

/**
 * Who the emulated chip is: its station MAC and what the SDK reports about itself.
 *
 * <p>ESP8266: {@code ESP.getChipId()} is the low three bytes of the factory MAC; the soft-AP MAC
 * is the station MAC with the locally-administered bit set. ESP32: the soft-AP MAC is the base
 * MAC + 1 ({@code esp_read_mac(ESP_MAC_WIFI_SOFTAP)}).
 */
public record Identity(byte[] mac, String sdkVersion) {
    public Identity {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC has 6 bytes, got " + mac.length);
        }
        mac = mac.clone();
    }

    /** Parses {@code 5C:CF:7F:01:02:03} (also with '-' separators or none). */
    public static Identity of(String mac, String sdkVersion) {
        String hex = mac.replace(":", "").replace("-", "");
        if (!hex.matches("[0-9A-Fa-f]{12}")) {
            throw new IllegalArgumentException("'" + mac + "' is not a MAC address; expected six hex pairs like 5C:CF:7F:01:02:03");
        }
        return new Identity(HexFormat.of().parseHex(hex), sdkVersion);
    }

    @Override
    public byte[] mac() {
        return mac.clone();
    }

    /** {@code WiFi.macAddress()}: upper-case, colon-separated. */
    public String staMac() {
        return format(mac);
    }

    /** ESP8266 {@code WiFi.softAPmacAddress()}. */
    String esp8266ApMac() {
        byte[] ap = mac.clone();
        ap[0] |= 0x02;
        return format(ap);
    }

    /** ESP32 {@code WiFi.softAPmacAddress()}: base MAC + 1. */
    String esp32ApMac() {
        byte[] ap = mac.clone();
        ap[5] = (byte) (ap[5] + 1);
        return format(ap);
    }

    /** ESP8266 {@code ESP.getChipId()}: the low 24 bits, in decimal. */
    long chipId() {
        return ((mac[3] & 0xFFL) << 16) | ((mac[4] & 0xFFL) << 8) | (mac[5] & 0xFFL);
    }

    private static String format(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < b.length; i++) {
            s.append(i == 0 ? "" : ":").append(String.format(Locale.ROOT, "%02X", b[i] & 0xFF));
        }
        return s.toString();
    }
}

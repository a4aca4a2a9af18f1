package org.updraft.core.chip;

/**
 * The chip an image is built for.
 *
 * <p>ESP32-family images carry a 16-bit {@code chip_id} in the extended header (ESP-IDF
 * {@code esp_app_format.h}, {@code esp_chip_id_t}; esptool {@code IMAGE_CHIP_ID} per target).
 * ESP8266 images carry no chip id at all.
 */
public enum Chip {
    ESP8266("ESP8266", -1),
    ESP32("ESP32", 0),
    ESP32_S2("ESP32-S2", 2),
    ESP32_C3("ESP32-C3", 5),
    ESP32_S3("ESP32-S3", 9),
    ESP32_C2("ESP32-C2", 12),
    ESP32_C6("ESP32-C6", 13),
    ESP32_H2("ESP32-H2", 16),
    ESP32_P4("ESP32-P4", 18),
    ESP32_C5("ESP32-C5", 23);

    private final String displayName;
    private final int esp32ChipId;

    Chip(String displayName, int esp32ChipId) {
        this.displayName = displayName;
        this.esp32ChipId = esp32ChipId;
    }

    /**
     * The chip for an ESP32 extended-header {@code chip_id}: ESP32 0, S2 2, C3 5, S3 9, C2 12, C6 13,
     * H2 16, P4 18, C5 23.
     *
     * @throws IllegalArgumentException for any other id (the image parser reports it as
     *     {@link InvalidImageException.Problem#UNSUPPORTED})
     */
    public static Chip fromEsp32ChipId(int id) {
        for (Chip chip : values()) {
            if (chip.esp32ChipId == id && chip.isEsp32Family()) {
                return chip;
            }
        }
        throw new IllegalArgumentException("unknown ESP32 chip_id " + id
                + "; known: 0 ESP32, 2 ESP32-S2, 5 ESP32-C3, 9 ESP32-S3, 12 ESP32-C2, 13 ESP32-C6,"
                + " 16 ESP32-H2, 18 ESP32-P4, 23 ESP32-C5");
    }

    /** Whether {@code id} is the ESP32 {@code chip_id} of a chip this enum knows. */
    public static boolean isKnownEsp32ChipId(int id) {
        for (Chip chip : values()) {
            if (chip.esp32ChipId == id && chip.isEsp32Family()) {
                return true;
            }
        }
        return false;
    }

    /** The {@code chip_id} of the ESP32 extended header; -1 for the ESP8266, which has none. */
    public int esp32ChipId() {
        return esp32ChipId;
    }

    /** The name as Espressif writes it: "ESP8266", "ESP32-C3". */
    public String displayName() {
        return displayName;
    }

    /** True for every chip that uses the ESP32 image format (extended header, chip id). */
    public boolean isEsp32Family() {
        return this != ESP8266;
    }
}

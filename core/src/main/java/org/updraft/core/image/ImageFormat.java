package org.updraft.core.image;

/** The container format of a firmware image (esptool docs {@code firmware-image-format.rst}). */
public enum ImageFormat {
    /** ESP8266 ROM-loadable image, magic 0xE9. */
    ESP8266_E9("ESP8266 image (E9)"),
    /** ESP8266 "version 2" image (NONOS SDK user1.bin/user2.bin, rboot), magic 0xEA. */
    ESP8266_V2("ESP8266 NONOS v2 user image (EA)"),
    /** Arduino ESP8266 sketch: eboot E9 image padded to 0x1000, then the app E9 image. */
    ARDUINO_ESP8266("Arduino ESP8266 sketch (eboot + app)"),
    /** ESP32-family application image: E9 header plus the 16-byte extended header. */
    ESP32("ESP32 application image");

    private final String description;

    ImageFormat(String description) {
        this.description = description;
    }

    /** A short human description, e.g. "ESP8266 NONOS v2 user image (EA)". */
    public String description() {
        return description;
    }
}

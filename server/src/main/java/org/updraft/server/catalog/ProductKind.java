package org.updraft.server.catalog;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Which stock OTA client a product's devices run; decides the image format and the artifacts of a release. */
public enum ProductKind {
    /** ESP8266 Arduino core: ESP8266httpUpdate / HTTPUpdateServer / ArduinoOTA; one eboot+app .bin. */
    ARDUINO("arduino"),
    /** ESP8266 NONOS SDK system_upgrade_start: a user1.bin/user2.bin pair, one per slot. */
    NONOS("nonos"),
    /** ESP32 (Arduino-ESP32 HTTPUpdate or ESP-IDF esp_https_ota): one application image. */
    ESP_IDF("esp-idf");

    private final String id;

    ProductKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static ProductKind parse(String id) {
        for (ProductKind k : values()) {
            if (k.id.equalsIgnoreCase(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown product kind '" + id + "'; expected one of "
                + Arrays.stream(values()).map(ProductKind::id).collect(Collectors.joining(", ")));
    }
}

package org.updraft.server.fleet;

/** Which device-facing endpoint a check-in came through (docs/device-contract.md). */
public enum Endpoint {
    /** {@code GET /u/{product}} (or the product's update path): ESP8266httpUpdate, ESP32 HTTPUpdate, esp_https_ota. */
    HTTP_UPDATE("http-update"),
    /** {@code GET /u/{product}/user1.bin|user2.bin}: NONOS system_upgrade_start. */
    NONOS_USER_BIN("nonos"),
    /** {@code GET /u/{product}/version}: the assigned version as text. */
    VERSION("version");

    private final String id;

    Endpoint(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}

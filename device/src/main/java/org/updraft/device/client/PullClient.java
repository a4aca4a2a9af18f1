package org.updraft.device.client;

import org.updraft.device.boot.Bootloader;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;

/**
 * Which pull client the emulated firmware uses. A {@link DeviceProfile} is the hardware plus its
 * stock Arduino/SDK client; an ESP-IDF application on the same ESP32 board updates itself with
 * {@code esp_https_ota} instead ({@link IdfOtaClient}) and is built with
 * {@code CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE} (IDF 6.2 enables rollback by default), so its
 * board runs {@link IdfOtaData} with rollback: a new app is PENDING_VERIFY until it confirms.
 * {@code updraft device run} calls this combination the {@code esp32-idf-4m} profile.
 */
public enum PullClient {
    /** The profile's own client: ESP8266httpUpdate, ESP32 HTTPUpdate or NONOS system_upgrade_start. */
    STOCK,
    /** ESP-IDF {@code esp_https_ota} with Range resume; ESP32 profiles only. */
    ESP_HTTPS_OTA;

    /** The CLI name of the {@code esp32-4m} board running an ESP-IDF app. */
    public static final String IDF_PROFILE_ID = "esp32-idf-4m";

    /** The boot model a board of {@code profile} has when its firmware uses this client. */
    public Bootloader bootloader(DeviceProfile profile) {
        if (this == STOCK) {
            return profile.bootloader();
        }
        if (profile != DeviceProfile.ESP32_4M) {
            throw new IllegalArgumentException("esp_https_ota is an ESP-IDF (ESP32) client; " + profile.id()
                    + " is not an ESP32 profile");
        }
        return new IdfOtaData(FlashMap.ESP32_4M, true);
    }
}

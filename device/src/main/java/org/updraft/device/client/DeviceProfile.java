package org.updraft.device.client;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.updraft.device.boot.Bootloader;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.TrialBoot;

/**
 * The devices {@code updraft device run --profile} emulates: a boot model on a flash map, and the
 * stock pull client such firmware uses.
 */
public enum DeviceProfile {
    /** NONOS SDK, 512 KB (256+256), boot.bin + system-param flag; {@code system_upgrade_start}. */
    NONOS_512K("nonos-512k", "2.2.1(6ab97e9)"),
    /** Arduino ESP8266, 4 MB (FS 2 MB, OTA ~1019 KB), eboot copy; ESP8266httpUpdate. */
    ARDUINO_4M("arduino-4m", "2.2.2-dev(38a443e)"),
    /**
     * Arduino ESP8266, 1 MB (FS 64 KB at 0xEB000), eboot copy; ESP8266httpUpdate. The small-flash
     * board: an update is staged between the running sketch and FS_start, so a large sketch leaves
     * too little free space for another large one (docs/rollouts.md, "Stepping stones for small flash").
     */
    ARDUINO_1M("arduino-1m", "2.2.2-dev(38a443e)"),
    /** Arduino-ESP32, 4 MB default.csv, otadata (Arduino builds without rollback); HTTPUpdate. */
    ESP32_4M("esp32-4m", "v4.4.5");

    private final String id;
    private final String sdkVersion;

    DeviceProfile(String id, String sdkVersion) {
        this.id = id;
        this.sdkVersion = sdkVersion;
    }

    public String id() {
        return id;
    }

    /** What {@code system_get_sdk_version()} / {@code ESP.getSdkVersion()} reports. */
    public String sdkVersion() {
        return sdkVersion;
    }

    public Bootloader bootloader() {
        return switch (this) {
            case NONOS_512K -> new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF);
            case ARDUINO_4M -> new EbootCopy(FlashMap.ARDUINO_4M);
            case ARDUINO_1M -> new EbootCopy(FlashMap.ARDUINO_1M);
            case ESP32_4M -> new IdfOtaData(FlashMap.ESP32_4M, false);
        };
    }

    public static DeviceProfile of(String id) {
        for (DeviceProfile p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown profile '" + id + "'; expected one of "
                + Arrays.stream(values()).map(DeviceProfile::id).collect(Collectors.joining(", ")));
    }
}

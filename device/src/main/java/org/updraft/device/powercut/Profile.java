package org.updraft.device.powercut;

import java.util.List;
import org.updraft.device.boot.Bootloader;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.Region;
import org.updraft.device.boot.TrialBoot;

/**
 * A boot model on a flash map, with the images it updates between: version {@code v} built for
 * the slot it will be written to (NONOS images are slot-specific; the others are not).
 */
public record Profile(Bootloader bootloader, Firmware firmware) {

    /** Builds version {@code version} of the firmware for {@code slot}. */
    public interface Firmware {
        byte[] build(int version, Region slot);
    }

    public String name() {
        return bootloader.name() + "/" + bootloader.map().id();
    }

    /** Every boot model on every layout it supports, with and without trial boot; images of 8–20 KiB. */
    public static List<Profile> all() {
        List<Profile> all = new java.util.ArrayList<>();
        for (FlashMap map : List.of(FlashMap.NONOS_512K, FlashMap.NONOS_1M, FlashMap.NONOS_4M_MAP4, FlashMap.NONOS_4M_MAP6)) {
            int code = switch (map) {
                case NONOS_512K -> 0;
                case NONOS_1M -> 2;
                case NONOS_4M_MAP6 -> 6;
                default -> 4;
            };
            Firmware nonos = (version, slot) -> SampleFirmware.nonosUser(
                    slot.name().equals("user1") ? 1 : 2, code, version, 8 * 1024 + 2048 * version);
            all.add(new Profile(new NonosBoot(map, TrialBoot.OFF), nonos));
            all.add(new Profile(new NonosBoot(map, TrialBoot.of(2)), nonos));
        }
        for (FlashMap map : List.of(FlashMap.ARDUINO_1M, FlashMap.ARDUINO_4M)) {
            int code = map == FlashMap.ARDUINO_1M ? 2 : 4;
            all.add(new Profile(new EbootCopy(map),
                    (version, slot) -> SampleFirmware.arduino(code, version, 12 * 1024 + 2048 * version)));
        }
        Firmware esp32 = (version, slot) -> SampleFirmware.esp32(version + ".0.0", 12 * 1024 + 2048 * version);
        all.add(new Profile(new IdfOtaData(FlashMap.ESP32_4M, false), esp32));
        all.add(new Profile(new IdfOtaData(FlashMap.ESP32_4M, true), esp32));
        return List.copyOf(all);
    }
}

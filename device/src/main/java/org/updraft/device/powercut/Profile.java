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
        return all(Images.SMALL);
    }

    /**
     * How large the images are. {@link #SMALL}: 8–20 KiB, about 55–160 flash operations an update,
     * so every cut point of every profile runs in seconds. {@link #REAL}: the size of real firmware —
     * ESP8266 (NONOS, Arduino) 304–312 KiB, ESP32 1028–1036 KiB (v1–v3, 4 KiB apart) — except on the
     * 512 KB NONOS map, whose 232 KiB slots hold at most 216–224 KiB.
     */
    public enum Images {
        SMALL, REAL;

        int nonos(FlashMap map, int version) {
            if (this == SMALL) {
                return 8 * 1024 + 2048 * version;
            }
            return (map == FlashMap.NONOS_512K ? 212 : 300) * 1024 + 4096 * version;
        }

        int arduino(int version) {
            return this == SMALL ? 12 * 1024 + 2048 * version : 300 * 1024 + 4096 * version;
        }

        int esp32(int version) {
            return this == SMALL ? 12 * 1024 + 2048 * version : 1024 * 1024 + 4096 * version;
        }
    }

    /** Every boot model on every layout it supports, with and without trial boot, at {@code images} size. */
    public static List<Profile> all(Images images) {
        List<Profile> all = new java.util.ArrayList<>();
        for (FlashMap map : List.of(FlashMap.NONOS_512K, FlashMap.NONOS_1M, FlashMap.NONOS_4M_MAP4, FlashMap.NONOS_4M_MAP6)) {
            int code = switch (map) {
                case NONOS_512K -> 0;
                case NONOS_1M -> 2;
                case NONOS_4M_MAP6 -> 6;
                default -> 4;
            };
            Firmware nonos = cached((version, slot) -> SampleFirmware.nonosUser(
                    slot.name().equals("user1") ? 1 : 2, code, version, images.nonos(map, version)));
            all.add(new Profile(new NonosBoot(map, TrialBoot.OFF), nonos));
            all.add(new Profile(new NonosBoot(map, TrialBoot.of(2)), nonos));
        }
        for (FlashMap map : List.of(FlashMap.ARDUINO_1M, FlashMap.ARDUINO_4M)) {
            int code = map == FlashMap.ARDUINO_1M ? 2 : 4;
            all.add(new Profile(new EbootCopy(map),
                    cached((version, slot) -> SampleFirmware.arduino(code, version, images.arduino(version)))));
        }
        Firmware esp32 = cached((version, slot) -> SampleFirmware.esp32(version + ".0.0", images.esp32(version)));
        all.add(new Profile(new IdfOtaData(FlashMap.ESP32_4M, false), esp32));
        all.add(new Profile(new IdfOtaData(FlashMap.ESP32_4M, true), esp32));
        return List.copyOf(all);
    }

    /**
     * Builds each (version, slot) once: the enumeration asks for the same image thousands of times,
     * and a 1 MB image takes milliseconds to build. Callers never modify the returned array.
     */
    private static Firmware cached(Firmware firmware) {
        java.util.Map<String, byte[]> built = new java.util.concurrent.ConcurrentHashMap<>();
        return (version, slot) -> built.computeIfAbsent(version + "@" + slot.name() + "@" + slot.offset(),
                key -> firmware.build(version, slot));
    }
}

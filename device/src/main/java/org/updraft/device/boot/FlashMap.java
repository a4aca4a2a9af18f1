package org.updraft.device.boot;

import java.util.List;
import org.updraft.core.layout.FlashLayout;

/**
 * The flash layouts the emulator runs, with the regions its boot models use. Offsets are those of
 * the NONOS SDK maps (docs/images.md, "Flash layouts"), Arduino's {@code eagle.flash.*.ld} and the
 * Arduino-ESP32 {@code default.csv} partition table.
 *
 * <p>NONOS: boot.bin at 0x0, user1 at 0x1000, user2 at half + 0x1000; the tail is "ABCCC" = RF
 * cal, RF init data, three system-parameter sectors ({@code user_main.c}).
 */
public enum FlashMap {
    NONOS_512K(0x80000, 0x41000, 0x3A000),
    NONOS_1M(0x100000, 0x81000, 0x7A000),
    NONOS_4M_MAP4(0x400000, 0x81000, 0x7B000),
    NONOS_4M_MAP6(0x400000, 0x101000, 0xFB000),
    /** Arduino "1M (FS:64KB)": sketch and OTA staging below FS_start 0xEB000. */
    ARDUINO_1M(0x100000, 0xEB000, 0),
    /** Arduino "4M (FS:2MB OTA:~1019KB)": sketch and OTA staging below FS_start 0x200000. */
    ARDUINO_4M(0x400000, 0x200000, 0),
    /** Arduino-ESP32 default.csv: nvs, otadata 0xE000, app0 0x10000, app1 0x150000, spiffs, coredump. */
    ESP32_4M(0x400000, 0, 0);

    private final int flashSize;
    private final int second;
    private final int slotSize;

    FlashMap(int flashSize, int second, int slotSize) {
        this.flashSize = flashSize;
        this.second = second;
        this.slotSize = slotSize;
    }
    // Slot sizes: core's slotSize() (half - 4 KB - 16 KB), cut where user2 would run into the RF
    // calibration sector (0x7B000 on 512 KB), so both slots get the same usable size.

    public int flashSize() {
        return flashSize;
    }

    /** Core's description of the same layout; offsets here must agree with it (FlashMapTest). */
    public FlashLayout layout() {
        return FlashLayout.valueOf(name());
    }

    public String id() {
        return name().toLowerCase().replace('_', '-');
    }

    /** NONOS: {@code user1.bin}'s slot. */
    Region user1() {
        return new Region("user1", 0x1000, slotSize);
    }

    /** NONOS: {@code user2.bin}'s slot. */
    Region user2() {
        return new Region("user2", second, slotSize);
    }

    /** NONOS: the three system-parameter sectors, the last three of the chip. */
    int systemParameters() {
        return flashSize - 3 * 0x1000;
    }

    /** Arduino ESP8266: everything from 0x0 up to the file system is sketch + OTA staging. */
    Region sketchArea() {
        return new Region("sketch", 0, second);
    }

    /** Arduino ESP8266: where the file system starts ({@code FS_start - 0x40200000}). */
    int fsStart() {
        return second;
    }

    /**
     * The file system region ({@code updateFS} / {@code updateSpiffs} write it in place): Arduino's
     * {@code FS_start}..{@code FS_end} and ESP32's {@code spiffs} partition, from core's
     * {@link FlashLayout#filesystem()}; empty for NONOS.
     */
    public java.util.Optional<Region> filesystem() {
        return layout().filesystem().map(p -> new Region(p.name(), (int) p.offset(), (int) p.size()));
    }

    Region otadata() {
        return new Region("otadata", 0xE000, 0x2000);
    }

    Region app(int index) {
        return index == 0 ? new Region("app0", 0x10000, 0x140000) : new Region("app1", 0x150000, 0x140000);
    }

    /** Every region, for printing and overlap checks. */
    public List<Region> regions() {
        int tail = flashSize - 5 * 0x1000;
        return switch (this) {
            case NONOS_512K, NONOS_1M, NONOS_4M_MAP4, NONOS_4M_MAP6 -> List.of(
                    new Region("boot", 0, 0x1000), user1(), user2(),
                    new Region("rf_cal", tail, 0x1000), new Region("rf_init", tail + 0x1000, 0x1000),
                    new Region("system_param", systemParameters(), 0x3000));
            case ARDUINO_1M, ARDUINO_4M -> List.of(sketchArea(), filesystem().orElseThrow(),
                    new Region("eeprom", tail, 0x1000), new Region("rf_cal+init+wifi", tail + 0x1000, 0x4000));
            case ESP32_4M -> List.of(new Region("bootloader", 0x1000, 0x7000),
                    new Region("partitions", 0x8000, 0x1000), new Region("nvs", 0x9000, 0x5000), otadata(),
                    app(0), app(1), new Region("spiffs", 0x290000, 0x160000),
                    new Region("coredump", 0x3F0000, 0x10000));
        };
    }
}

package org.updraft.core.layout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.updraft.core.chip.Chip;

/**
 * How a product's flash is divided, and so where an update goes and how large it may be.
 *
 * <p><b>NONOS SDK</b> (docs/images.md, "Flash layouts"; SDK {@code upgrade_lib}, {@code user_main.c}
 * "ABCCC" tail): boot at 0x0 (4 KB), user1 at 0x1000, user2 at the start of the second half plus
 * 0x1000; the last five sectors are RF calibration, RF init data and three system-parameter sectors.
 * The old rule "half the map minus 4 KB boot minus 16 KB parameters" gives 236 KB (0x3B000) for
 * 256+256 and 0x7B000 = 503808 for 512+512 (esp-link's {@code ESP_FLASH_MAX}); it
 * predates the RF calibration sector, and on 512 KB and 1 MB flash a user2 image of that size
 * would overwrite RF calibration (0x7B000 / 0xFB000). Updraft therefore caps those two maps at
 * the space before RF calibration: 0x3A000 (232 KB) and 0x7A000 (488 KB); map4 keeps 0x7B000
 * (its tail is at the end of 4 MB); 0xFB000 for 1024+1024 (same rule, not confirmed against an
 * SDK table).
 * irom0 of userN is linked at 0x40200000 + slot offset + 0x10 (0x40201010 for user1).
 *
 * <p><b>Arduino ESP8266</b> ({@code tools/boards.txt.py} generated {@code eagle.flash.*.ld}): the
 * sketch, eboot included, starts at 0x0; an update is staged in the free space between the sketch
 * and the filesystem and copied over by eboot. Maximum sketch = the irom0 window
 * ({@code irom0_0_seg} length): 4 MB with 2 MB FS ({@code eagle.flash.4m2m.ld}) 0xFEFF0 = 1044464;
 * 1 MB with 64 KB FS ({@code eagle.flash.1m64.ld}, FS 0xEB000-0xFB000) 0xE9FF0 = 958448. Then
 * EEPROM, RF calibration and 12 KB of Wi-Fi/system settings in the last five sectors.
 *
 * <p><b>ESP32</b> (arduino-esp32 {@code tools/partitions/default.csv}): nvs 0x9000+0x5000, otadata
 * 0xE000+0x2000, app0 0x10000+0x140000, app1 0x150000+0x140000, spiffs 0x290000+0x160000, coredump
 * 0x3F0000+0x10000.
 *
 * <p><b>File system region</b> ({@link #filesystem()}): what {@code ESPhttpUpdate.updateFS} /
 * {@code httpUpdate.updateSpiffs} overwrite. Arduino ESP8266: {@code FS_start}..{@code FS_end} of
 * the linker script as {@code tools/boards.txt.py} computes it: FS_end is the EEPROM sector rounded
 * down to a whole FS block (8 KiB blocks for a file system of 512 KB or more, else 4 KiB), so
 * {@code eagle.flash.4m2m.ld} has 0x200000-0x3FA000 (one 4 KiB gap before EEPROM at 0x3FB000) and
 * {@code eagle.flash.1m64.ld} 0xEB000-0xFB000. ESP32: the {@code spiffs} data partition of the
 * partition table. NONOS maps have none.
 */
public enum FlashLayout {

    NONOS_512K("nonos-512k", Chip.ESP8266, 0x80000, 0x3A000, List.of(0x1000L, 0x41000L)),
    NONOS_1M("nonos-1m", Chip.ESP8266, 0x100000, 0x7A000, List.of(0x1000L, 0x81000L)),
    NONOS_4M_MAP4("nonos-4m-map4", Chip.ESP8266, 0x400000, 0x7B000, List.of(0x1000L, 0x81000L)),
    NONOS_4M_MAP6("nonos-4m-map6", Chip.ESP8266, 0x400000, 0xFB000, List.of(0x1000L, 0x101000L)),
    ARDUINO_4M("arduino-4m", Chip.ESP8266, 0x400000, 0xFEFF0, List.of(0x0L)),
    ARDUINO_1M("arduino-1m", Chip.ESP8266, 0x100000, 0xE9FF0, List.of(0x0L)),
    ESP32_4M("esp32-4m", Chip.ESP32, 0x400000, 0x140000, List.of(0x10000L, 0x150000L));

    private static final long IROM_MAP_START = 0x4020_0000L;

    private final String id;
    private final Chip chip;
    private final long flashSize;
    private final long slotSize;
    private final List<Long> slotOffsets;

    FlashLayout(String id, Chip chip, long flashSize, long slotSize, List<Long> slotOffsets) {
        this.id = id;
        this.chip = chip;
        this.flashSize = flashSize;
        this.slotSize = slotSize;
        this.slotOffsets = slotOffsets;
    }

    /**
     * The layout with this {@link #id()}.
     *
     * @throws IllegalArgumentException naming the valid ids
     */
    public static FlashLayout byId(String id) {
        for (FlashLayout layout : values()) {
            if (layout.id.equals(id)) {
                return layout;
            }
        }
        throw new IllegalArgumentException("unknown flash layout '" + id + "'; valid: "
                + Stream.of(values()).map(FlashLayout::id).collect(Collectors.joining(", ")));
    }

    /** Kebab-case id used in configuration and the API, e.g. "nonos-512k". */
    public String id() {
        return id;
    }

    public Chip chip() {
        return chip;
    }

    /** Total flash in bytes. */
    public long flashSize() {
        return flashSize;
    }

    /** The largest image that fits an update slot, in bytes. */
    public long slotSize() {
        return slotSize;
    }

    /** Where each slot starts: user1/user2, app0/app1, or the single Arduino sketch at 0x0. */
    public List<Long> slotOffsets() {
        return slotOffsets;
    }

    /** True for the NONOS user1/user2 layouts (v2 EA images, one build per slot). */
    public boolean isNonos() {
        return name().startsWith("NONOS_");
    }

    /** True when {@code imageLength} bytes fit one slot. */
    public boolean fits(long imageLength) {
        return imageLength >= 0 && imageLength <= slotSize;
    }

    /** NONOS: the RF calibration sector, fifth-last ("A" of "ABCCC"). */
    public OptionalLong rfCalOffset() {
        return isNonos() ? OptionalLong.of(flashSize - 0x5000) : OptionalLong.empty();
    }

    /** NONOS: the RF init data sector ({@code esp_init_data_default.bin}), fourth-last. */
    public OptionalLong rfInitDataOffset() {
        return isNonos() ? OptionalLong.of(flashSize - 0x4000) : OptionalLong.empty();
    }

    /** NONOS: the first of the three system-parameter sectors (holds the user1/user2 flag). */
    public OptionalLong systemParamOffset() {
        return isNonos() ? OptionalLong.of(flashSize - 0x3000) : OptionalLong.empty();
    }

    /**
     * NONOS: where irom0 of user {@code slot} (1 or 2) is linked: 0x40200000 + slot offset + 0x10,
     * e.g. 0x40201010 for user1 and 0x40241010 for user2 of the 512 KB map. Empty for other layouts.
     *
     * @throws IllegalArgumentException if slot is not 1 or 2
     */
    public OptionalLong userIromLinkBase(int slot) {
        if (slot != 1 && slot != 2) {
            throw new IllegalArgumentException("slot must be 1 (user1) or 2 (user2), got " + slot);
        }
        return isNonos() ? OptionalLong.of(IROM_MAP_START + slotOffsets.get(slot - 1) + 0x10)
                : OptionalLong.empty();
    }

    /** The NONOS slot (1 or 2) whose irom0 is linked at {@code linkBase}, if any. */
    public OptionalLong userSlotForIromLinkBase(long linkBase) {
        if (isNonos()) {
            for (int slot = 1; slot <= 2; slot++) {
                if (userIromLinkBase(slot).getAsLong() == linkBase) {
                    return OptionalLong.of(slot);
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * The file system region a filesystem image must fill exactly: Arduino's {@code fs}, ESP32's
     * {@code spiffs} data partition; empty for NONOS (no file system in the map).
     */
    public Optional<Partition> filesystem() {
        return partitions().stream().filter(p -> p.name().equals("fs") || p.name().equals("spiffs")).findFirst();
    }

    /**
     * The file system's erase block, the unit mklittlefs/mkspiffs are given ({@code -b}): 8 KiB for
     * the Arduino 2 MB file system ({@code boards.txt.py}: 8192 from 512 KB up), else 4 KiB.
     */
    public int filesystemBlockSize() {
        return this == ARDUINO_4M ? 8192 : 4096;
    }

    /** Every region of the map, in flash order. */
    public List<Partition> partitions() {
        List<Partition> p = new ArrayList<>();
        if (isNonos()) {
            p.add(new Partition("boot", 0, 0x1000));
            p.add(new Partition("user1", slotOffsets.get(0), slotSize));
            // user2 stops at the RF cal sector: for 512K and 1M maps that is 4 KB short of slotSize
            // (the upgrade_lib sector counts predate the RF cal sector of the "ABCCC" tail)
            long user2 = slotOffsets.get(1);
            p.add(new Partition("user2", user2, Math.min(slotSize, rfCalOffset().getAsLong() - user2)));
            p.add(new Partition("rf_cal", rfCalOffset().getAsLong(), 0x1000));
            p.add(new Partition("rf_init_data", rfInitDataOffset().getAsLong(), 0x1000));
            p.add(new Partition("system_param", systemParamOffset().getAsLong(), 0x3000));
        } else if (this == ARDUINO_4M) {
            p.add(new Partition("sketch", 0, 0x100000));
            p.add(new Partition("ota_free", 0x100000, 0x100000));
            p.add(new Partition("fs", 0x200000, 0x1FA000));
            p.add(new Partition("eeprom", 0x3FB000, 0x1000));
            p.add(new Partition("rf_cal", 0x3FC000, 0x1000));
            p.add(new Partition("wifi", 0x3FD000, 0x3000));
        } else if (this == ARDUINO_1M) {
            p.add(new Partition("sketch", 0, 0xEB000));
            p.add(new Partition("fs", 0xEB000, 0x10000));
            p.add(new Partition("eeprom", 0xFB000, 0x1000));
            p.add(new Partition("rf_cal", 0xFC000, 0x1000));
            p.add(new Partition("wifi", 0xFD000, 0x3000));
        } else {
            p.add(new Partition("nvs", 0x9000, 0x5000));
            p.add(new Partition("otadata", 0xE000, 0x2000));
            p.add(new Partition("app0", 0x10000, 0x140000));
            p.add(new Partition("app1", 0x150000, 0x140000));
            p.add(new Partition("spiffs", 0x290000, 0x160000));
            p.add(new Partition("coredump", 0x3F0000, 0x10000));
        }
        return List.copyOf(p);
    }
}

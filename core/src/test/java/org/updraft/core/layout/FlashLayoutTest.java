package org.updraft.core.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.updraft.core.chip.Chip;

/** Against the NONOS SDK maps (docs/images.md, "Flash layouts"), Arduino's eagle.flash.*.ld and arduino-esp32 default.csv. */
class FlashLayoutTest {

    @Test
    void nonosMapsMatchTheSdkTable() {
        assertNonos(FlashLayout.NONOS_512K, 0x80000, 0x41000, 0x3A000, 0x7B000, 0x7C000, 0x7D000);
        assertNonos(FlashLayout.NONOS_1M, 0x100000, 0x81000, 0x7A000, 0xFB000, 0xFC000, 0xFD000);
        assertNonos(FlashLayout.NONOS_4M_MAP4, 0x400000, 0x81000, 0x7B000, 0x3FB000, 0x3FC000, 0x3FD000);
        assertNonos(FlashLayout.NONOS_4M_MAP6, 0x400000, 0x101000, 0xFB000, 0x3FB000, 0x3FC000, 0x3FD000);
        // the seed's 236 KB (and esp-link's 503808) would overwrite RF calibration on these maps
        assertThat(FlashLayout.NONOS_512K.slotSize()).isEqualTo(232 * 1024);
        assertThat(FlashLayout.NONOS_1M.slotSize()).isEqualTo(503808 - 4096);
        assertThat(FlashLayout.NONOS_512K.partitions().get(2)).isEqualTo(new Partition("user2", 0x41000, 0x3A000));
        assertThat(FlashLayout.NONOS_1M.partitions().get(2)).isEqualTo(new Partition("user2", 0x81000, 0x7A000));
    }

    private static void assertNonos(FlashLayout l, long flash, long user2, long slot, long rfCal, long init,
                                    long sysParam) {
        assertThat(l.chip()).isEqualTo(Chip.ESP8266);
        assertThat(l.isNonos()).isTrue();
        assertThat(l.flashSize()).isEqualTo(flash);
        assertThat(l.slotOffsets()).containsExactly(0x1000L, user2);
        assertThat(l.slotSize()).isEqualTo(slot);
        assertThat(l.rfCalOffset()).hasValue(rfCal);
        assertThat(l.rfInitDataOffset()).hasValue(init);
        assertThat(l.systemParamOffset()).hasValue(sysParam);
        assertThat(l.userIromLinkBase(1)).hasValue(0x40201010L);
        assertThat(l.userIromLinkBase(2)).hasValue(0x40200000L + user2 + 0x10);
        assertThat(l.partitions()).extracting(Partition::name)
                .containsExactly("boot", "user1", "user2", "rf_cal", "rf_init_data", "system_param");
        assertThat(l.partitions().get(5).end()).isEqualTo(flash);
        assertThat(l.partitions().get(1).end()).isLessThanOrEqualTo(user2 - 0x1000);
        assertThat(l.partitions().get(2).size()).isEqualTo(Math.min(slot, rfCal - user2));
    }

    @Test
    void userIromLinkBases() {
        assertThat(FlashLayout.NONOS_512K.userIromLinkBase(2)).hasValue(0x40241010L);
        assertThat(FlashLayout.NONOS_1M.userIromLinkBase(2)).hasValue(0x40281010L);
        assertThat(FlashLayout.NONOS_4M_MAP6.userIromLinkBase(2)).hasValue(0x40301010L);
        assertThat(FlashLayout.NONOS_512K.userSlotForIromLinkBase(0x40241010L)).hasValue(2);
        assertThat(FlashLayout.NONOS_512K.userSlotForIromLinkBase(0x40281010L)).isEmpty();
        assertThat(FlashLayout.ESP32_4M.userIromLinkBase(1)).isEqualTo(OptionalLong.empty());
        assertThatThrownBy(() -> FlashLayout.NONOS_1M.userIromLinkBase(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slot must be 1 (user1) or 2 (user2), got 3");
    }

    @Test
    void arduinoLayouts() {
        assertThat(FlashLayout.ARDUINO_4M.slotSize()).isEqualTo(0xFEFF0).isEqualTo(1044464);
        assertThat(FlashLayout.ARDUINO_4M.slotOffsets()).containsExactly(0L);
        assertThat(FlashLayout.ARDUINO_4M.flashSize()).isEqualTo(0x400000);
        assertThat(FlashLayout.ARDUINO_4M.partitions()).contains(new Partition("fs", 0x200000, 0x1FA000));
        assertThat(FlashLayout.ARDUINO_1M.slotSize()).isEqualTo(0xE9FF0).isEqualTo(958448);
        assertThat(FlashLayout.ARDUINO_1M.partitions()).contains(new Partition("fs", 0xEB000, 0x10000));
        assertThat(FlashLayout.ARDUINO_1M.rfCalOffset()).isEmpty();
    }

    @Test
    void fileSystemRegionsFromTheLinkerScriptsAndPartitionTable() {
        // boards.txt.py: FS_end rounded down to whole 8 KiB blocks, one 4 KiB gap before EEPROM at 0x3FB000
        assertThat(FlashLayout.ARDUINO_4M.filesystem()).contains(new Partition("fs", 0x200000, 0x1FA000));
        assertThat(FlashLayout.ARDUINO_4M.filesystemBlockSize()).isEqualTo(8192);
        assertThat(FlashLayout.ARDUINO_1M.filesystem()).contains(new Partition("fs", 0xEB000, 0x10000));
        assertThat(FlashLayout.ARDUINO_1M.filesystemBlockSize()).isEqualTo(4096);
        assertThat(FlashLayout.ESP32_4M.filesystem()).contains(new Partition("spiffs", 0x290000, 0x160000));
        assertThat(FlashLayout.NONOS_4M_MAP6.filesystem()).isEmpty();
    }

    @Test
    void esp32DefaultCsv() {
        FlashLayout l = FlashLayout.ESP32_4M;
        assertThat(l.chip()).isEqualTo(Chip.ESP32);
        assertThat(l.slotSize()).isEqualTo(0x140000);
        assertThat(l.slotOffsets()).containsExactly(0x10000L, 0x150000L);
        assertThat(l.partitions()).containsExactly(new Partition("nvs", 0x9000, 0x5000),
                new Partition("otadata", 0xE000, 0x2000), new Partition("app0", 0x10000, 0x140000),
                new Partition("app1", 0x150000, 0x140000), new Partition("spiffs", 0x290000, 0x160000),
                new Partition("coredump", 0x3F0000, 0x10000));
    }

    @Test
    void partitionsNeverOverlapAndStayInsideFlash() {
        for (FlashLayout l : FlashLayout.values()) {
            List<Partition> p = l.partitions();
            for (int i = 1; i < p.size(); i++) {
                assertThat(p.get(i).offset()).as(l + " " + p.get(i)).isGreaterThanOrEqualTo(p.get(i - 1).end());
            }
            assertThat(p.get(p.size() - 1).end()).isLessThanOrEqualTo(l.flashSize());
        }
    }

    @Test
    void byIdRoundTripsAndListsValidIds() {
        for (FlashLayout l : FlashLayout.values()) {
            assertThat(FlashLayout.byId(l.id())).isSameAs(l);
        }
        assertThat(FlashLayout.values()).extracting(FlashLayout::id).containsExactly("nonos-512k",
                "nonos-1m", "nonos-4m-map4", "nonos-4m-map6", "arduino-4m", "arduino-1m", "esp32-4m");
        assertThatThrownBy(() -> FlashLayout.byId("nonos-2m")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown flash layout 'nonos-2m'; valid: nonos-512k, nonos-1m, nonos-4m-map4,"
                        + " nonos-4m-map6, arduino-4m, arduino-1m, esp32-4m");
    }

    @Test
    void fits() {
        assertThat(FlashLayout.NONOS_512K.fits(0x3A000)).isTrue();
        assertThat(FlashLayout.NONOS_512K.fits(0x3A001)).isFalse();
    }
}

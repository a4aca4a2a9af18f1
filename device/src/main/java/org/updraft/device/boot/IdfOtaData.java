package org.updraft.device.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.updraft.device.flash.NorFlash;

/**
 * ESP-IDF's OTA selection (bootloader_support {@code bootloader_utility.c},
 * {@code bootloader_common.c}; app_update {@code esp_ota_ops.c}). The otadata partition is two
 * sectors, each holding one {@code esp_ota_select_entry_t}: {@code u32 ota_seq, u8 seq_label[20],
 * u32 ota_state, u32 crc} with {@code crc = esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4)}. An entry
 * is valid when {@code ota_seq != UINT32_MAX}, its state is neither INVALID nor ABORTED and the
 * CRC matches; the valid entry with the highest {@code ota_seq} selects {@code app[(seq-1) % 2]};
 * with none valid (and no factory partition, as in Arduino's default.csv) app0 boots.
 *
 * <p>With {@code CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE}: {@code esp_ota_set_boot_partition}
 * writes the new entry as NEW; the bootloader turns NEW into PENDING_VERIFY on the first boot;
 * the app calls {@code esp_ota_mark_app_valid_cancel_rollback()} (→ VALID); a reset while still
 * PENDING_VERIFY makes the bootloader mark it ABORTED, and the previous entry boots again.
 * Every entry write is {@code write_otadata}: erase that sector, program 32 bytes.
 *
 * <p>Upstream reference: espressif/esp-idf, release v5.3.1,
 * {@code components/bootloader_support/src/bootloader_utility.c} and
 * {@code components/app_update/esp_ota_ops.c}; docs/emulator-fidelity.md lists what differs.
 */
public final class IdfOtaData implements Bootloader {
    static final int NEW = 0;
    static final int PENDING_VERIFY = 1;
    static final int VALID = 2;
    static final int INVALID = 3;
    static final int ABORTED = 4;
    static final int UNDEFINED = 0xFFFFFFFF;
    static final int ENTRY_BYTES = 32;

    private final FlashMap map;
    private final boolean rollback;

    public IdfOtaData(FlashMap map, boolean rollback) {
        if (map != FlashMap.ESP32_4M) {
            throw new IllegalArgumentException("IdfOtaData runs on an ESP32 partition table, not " + map);
        }
        this.map = map;
        this.rollback = rollback;
    }

    @Override
    public FlashMap map() {
        return map;
    }

    @Override
    public String name() {
        return rollback ? "idf-otadata+rollback" : "idf-otadata";
    }

    record Entry(int seq, int state, int crc) {
        static Entry of(int seq, int state) {
            return new Entry(seq, state, IdfOtaData.crc(seq));
        }

        boolean valid() {
            return seq != -1 && state != INVALID && state != ABORTED && crc == IdfOtaData.crc(seq);
        }

        Entry withState(int newState) {
            return new Entry(seq, newState, crc);
        }

        byte[] encode() {
            ByteBuffer buf = ByteBuffer.allocate(ENTRY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            buf.putInt(seq);
            byte[] label = new byte[20];
            Arrays.fill(label, (byte) 0xFF);
            buf.put(label).putInt(state).putInt(crc);
            return buf.array();
        }

        static Entry decode(byte[] b) {
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            return new Entry(buf.getInt(0), buf.getInt(24), buf.getInt(28));
        }
    }

    /** ROM {@code crc32_le(UINT32_MAX, &seq, 4)}: reflected CRC-32, register starting at ~UINT32_MAX = 0. */
    static int crc(int seq) {
        int crc = 0;
        for (int i = 0; i < 4; i++) {
            crc ^= (seq >>> (8 * i)) & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc >>> 1) ^ (0xEDB88320 & -(crc & 1));
            }
        }
        return ~crc;
    }

    Entry[] readEntries(NorFlash flash) {
        Region otadata = map.otadata();
        return new Entry[] {
            Entry.decode(flash.read(otadata.offset(), ENTRY_BYTES)),
            Entry.decode(flash.read(otadata.offset() + NorFlash.SECTOR_SIZE, ENTRY_BYTES))};
    }

    void writeEntry(NorFlash flash, int index, Entry entry) {
        int at = map.otadata().offset() + index * NorFlash.SECTOR_SIZE;
        flash.eraseSector(at);
        flash.programPages(at, entry.encode());
    }

    /** {@code bootloader_common_get_active_otadata}: the valid entry with the highest seq, or -1. */
    static int active(Entry[] e) {
        boolean v0 = e[0].valid();
        boolean v1 = e[1].valid();
        if (v0 && v1) {
            return Integer.compareUnsigned(e[0].seq(), e[1].seq()) >= 0 ? 0 : 1;
        }
        return v0 ? 0 : v1 ? 1 : -1;
    }

    @Override
    public void provision(NorFlash flash, byte[] image) {
        // esptool writes bootloader, partition table, boot_app0.bin (blank otadata) and the app at app0.
        flash.eraseRange(map.otadata().offset(), map.otadata().size());
        NonosBoot.write(flash, map.app(0), image);
    }

    @Override
    public BootResult boot(NorFlash flash, RtcMemory rtc) {
        Entry[] e = readEntries(flash);
        if (rollback) {
            for (int i = 0; i < 2; i++) {
                if (e[i].state() == PENDING_VERIFY) { // "otadata[%d] is marking as ABORTED"
                    e[i] = e[i].withState(ABORTED);
                    writeEntry(flash, i, e[i]);
                }
            }
        }
        int active = active(e);
        int slot = active < 0 ? 0 : Integer.remainderUnsigned(e[active].seq() - 1, 2);
        if (rollback && active >= 0 && e[active].state() == NEW) {
            e[active] = e[active].withState(PENDING_VERIFY);
            writeEntry(flash, active, e[active]);
        }
        // bootloader_utility_load_boot_image: try the selected app, then the others.
        for (int index : new int[] {slot, 1 - slot}) {
            Region app = map.app(index);
            ImageWalk walk = ImageWalk.walk(flash, app.offset(), app.size(), ImageKind.ESP32);
            if (walk.valid()) {
                return BootResult.Booted.of(app, walk.image());
            }
        }
        return new BootResult.Bricked("no bootable app partition: app0 and app1 are both invalid");
    }

    @Override
    public Updater updater(NorFlash flash, RtcMemory rtc, BootResult.Booted running) {
        return new OtaOps(flash, running.slot().name().equals("app0") ? 0 : 1);
    }

    /** app_update {@code esp_ota_*}, as Arduino-ESP32's {@code Update} drives it. */
    private final class OtaOps implements Updater {
        private final NorFlash flash;
        private final int running;

        OtaOps(NorFlash flash, int running) {
            this.flash = flash;
            this.running = running;
        }

        @Override
        public Region target() {
            return map.app(1 - running); // esp_ota_get_next_update_partition
        }

        @Override
        public int capacity() {
            return target().size();
        }

        @Override
        public SlotWriter begin(int length) throws UpdateException {
            if (length <= 0 || length > capacity()) {
                throw new UpdateException("ESP_ERR_OTA_PARTITION_CONFLICT/ESP_ERR_INVALID_SIZE: " + length
                        + " bytes do not fit " + target());
            }
            return new SlotWriter(flash, target(), length, ImageKind.ESP32, image -> null);
        }

        /**
         * {@code esp_ota_set_boot_partition} → {@code esp_rewrite_ota_data}: the new entry goes
         * into the sector not holding the active entry, {@code (~active) & 1} (sector 0 when none
         * is valid), with the next seq that selects the target: {@code (seq - 1) % 2 == target}.
         */
        @Override
        public void activate(StagedImage staged) {
            int target = staged.region().equals(map.app(0)) ? 0 : 1;
            Entry[] e = readEntries(flash);
            int active = active(e);
            int seq = active < 0 ? 0 : e[active].seq();
            do {
                seq++;
            } while (Integer.remainderUnsigned(seq - 1, 2) != target);
            int next = active < 0 ? 0 : ~active & 1;
            writeEntry(flash, next, Entry.of(seq, rollback ? NEW : UNDEFINED));
        }

        /** {@code esp_ota_mark_app_valid_cancel_rollback}: PENDING_VERIFY → VALID, same sector. */
        @Override
        public void confirm() {
            Entry[] e = readEntries(flash);
            int active = active(e);
            if (active >= 0 && e[active].state() == PENDING_VERIFY) {
                writeEntry(flash, active, e[active].withState(VALID));
            }
        }

        @Override
        public boolean pendingConfirm() {
            Entry[] e = readEntries(flash);
            int active = active(e);
            return active >= 0 && e[active].state() == PENDING_VERIFY;
        }
    }
}

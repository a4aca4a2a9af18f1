package org.updraft.device.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import org.updraft.device.flash.NorFlash;

/**
 * Arduino ESP8266 OTA: the sketch (eboot in the first 4 KiB, the app from 0x1000) runs from 0x0;
 * {@code Updater} stages the new image at the top of the free area, just below the file system
 * ({@code updateStartAddress = FS_start - roundup4K(size)}, refused when that is below the
 * running sketch), then writes an {@code eboot_command} {@code ACTION_COPY_RAW(src, 0x0, size)}
 * into RTC user memory and calls {@code ESP.restart()}. At the next boot eboot copies the image
 * sector by sector (erase, read, write) over 0x0 — eboot included — verifies, and clears the
 * command (cores/esp8266 {@code Updater.cpp}, bootloaders/eboot {@code eboot.c}).
 * Upstream reference: esp8266/Arduino, release 3.1.2, {@code bootloaders/eboot/eboot.c} and
 * {@code cores/esp8266/Updater.cpp}; docs/emulator-fidelity.md lists what differs.
 *
 * <p>Not power-safe, by design of the original: RTC memory does not survive a power cut, so a cut
 * after the command was written only cancels the update, but a cut during the copy leaves a
 * half-erased, half-copied sketch and nothing left to finish the copy.
 */
public final class EbootCopy implements Bootloader {
    /** {@code EBOOT_MAGIC} and {@code EBOOT_MAGIC_MASK} (eboot_command.h). */
    static final int EBOOT_MAGIC = 0xEB001000;
    static final int EBOOT_MAGIC_MASK = 0xFFFFF000;
    static final int ACTION_COPY_RAW = 0x00000001;
    static final int ACTION_LOAD_APP = 0xFFFFFFFF;
    /** magic, action, args[29], crc32: 32 words. */
    static final int COMMAND_WORDS = 32;

    private final FlashMap map;

    public EbootCopy(FlashMap map) {
        if (map != FlashMap.ARDUINO_1M && map != FlashMap.ARDUINO_4M) {
            throw new IllegalArgumentException("EbootCopy runs on an Arduino ESP8266 flash map, not " + map);
        }
        this.map = map;
    }

    @Override
    public FlashMap map() {
        return map;
    }

    @Override
    public String name() {
        return "eboot-copy";
    }

    @Override
    public void provision(NorFlash flash, byte[] image) {
        NonosBoot.write(flash, map.sketchArea(), image);
    }

    @Override
    public BootResult boot(NorFlash flash, RtcMemory rtc) {
        int[] cmd = readCommand(rtc);
        if (cmd != null && cmd[1] == ACTION_COPY_RAW) {
            copyRaw(flash, cmd[2], cmd[3], cmd[4]);
        }
        clearCommand(rtc);
        // The ROM loader needs eboot's E9 header at 0x0; eboot loads the app from 0x1000. Neither
        // checks more than that; a sketch that is not intact crashes, so it counts as not booting.
        if ((flash.read(0, 1)[0] & 0xFF) != ImageWalk.E9) {
            return new BootResult.Bricked("ROM loader: no E9 header at 0x0 (eboot erased or half-copied)");
        }
        ImageWalk walk = ImageWalk.walk(flash, 0, map.fsStart(), ImageKind.ARDUINO);
        if (!walk.valid()) {
            return new BootResult.Bricked("sketch at 0x0 is corrupt: " + walk.problem());
        }
        return BootResult.Booted.of(map.sketchArea(), walk.image());
    }

    /**
     * eboot {@code copy_raw} for a gzip image (1F 8B): it inflates while copying, sector by sector
     * (erase, write the inflated bytes). A stream that does not inflate stops the copy where it
     * breaks, leaving what was written so far — the boot check then finds the sketch corrupt.
     */
    private static void copyGzip(NorFlash flash, int src, int dst, int size) {
        byte[] packed = flash.read(src, size);
        byte[] sector = new byte[NorFlash.SECTOR_SIZE];
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(packed))) {
            for (int at = dst; ; at += NorFlash.SECTOR_SIZE) {
                int n = in.readNBytes(sector, 0, sector.length);
                if (n == 0) {
                    return;
                }
                flash.eraseSector(at);
                flash.programPages(at, java.util.Arrays.copyOf(sector, n));
                if (n < sector.length) {
                    return;
                }
            }
        } catch (java.io.IOException e) {
            // "uzlib_uncompress_chksum" failed: eboot stops copying
        }
    }

    /** eboot {@code copy_raw}: per 4 KiB block, erase the destination sector, read, write. */
    private static void copyRaw(NorFlash flash, int src, int dst, int size) {
        byte[] head = flash.read(src, 2);
        if ((head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
            copyGzip(flash, src, dst, size);
            return;
        }
        int left = (size + NorFlash.SECTOR_SIZE - 1) & -NorFlash.SECTOR_SIZE;
        for (int done = 0; done < left; done += NorFlash.SECTOR_SIZE) {
            flash.eraseSector(dst + done);
            flash.programPages(dst + done, flash.read(src + done, NorFlash.SECTOR_SIZE));
        }
    }

    static void writeCommand(RtcMemory rtc, int action, int... args) {
        int[] words = new int[COMMAND_WORDS];
        words[0] = EBOOT_MAGIC;
        words[1] = action;
        System.arraycopy(args, 0, words, 2, args.length);
        words[31] = crc(words);
        for (int i = 0; i < COMMAND_WORDS; i++) {
            rtc.write(i, words[i]);
        }
    }

    /** The command, or null when RTC memory holds none (magic or CRC wrong: e.g. after power-up). */
    static int[] readCommand(RtcMemory rtc) {
        int[] words = new int[COMMAND_WORDS];
        for (int i = 0; i < COMMAND_WORDS; i++) {
            words[i] = rtc.read(i);
        }
        if ((words[0] & EBOOT_MAGIC_MASK) != EBOOT_MAGIC || words[31] != crc(words)) {
            return null;
        }
        return words;
    }

    static void clearCommand(RtcMemory rtc) {
        for (int i = 0; i < COMMAND_WORDS; i++) {
            rtc.write(i, 0);
        }
    }

    private static int crc(int[] words) {
        ByteBuffer buf = ByteBuffer.allocate(31 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 31; i++) {
            buf.putInt(words[i]);
        }
        CRC32 crc = new CRC32();
        crc.update(buf.array());
        return (int) crc.getValue();
    }

    @Override
    public Updater updater(NorFlash flash, RtcMemory rtc, BootResult.Booted running) {
        return new ArduinoUpdater(flash, rtc, roundUp(running.image().length));
    }

    private static int roundUp(int n) {
        return (n + NorFlash.SECTOR_SIZE - 1) & -NorFlash.SECTOR_SIZE;
    }

    /** cores/esp8266 {@code Updater}: stage below FS_start, then an eboot command. */
    private final class ArduinoUpdater implements Updater {
        private final NorFlash flash;
        private final RtcMemory rtc;
        private final int sketchSpace;

        ArduinoUpdater(NorFlash flash, RtcMemory rtc, int sketchSpace) {
            this.flash = flash;
            this.rtc = rtc;
            this.sketchSpace = sketchSpace;
        }

        @Override
        public Region target() {
            return new Region("staging", sketchSpace, capacity());
        }

        @Override
        public int capacity() {
            return map.fsStart() - sketchSpace;
        }

        @Override
        public SlotWriter begin(int length) throws UpdateException {
            int start = map.fsStart() - roundUp(length);
            if (length <= 0 || start < sketchSpace) {
                throw new UpdateException("ERROR[4]: Not Enough Space: " + length + " bytes, "
                        + capacity() + " free above the running sketch");
            }
            return new SlotWriter(flash, new Region("staging", start, roundUp(length)), length,
                    ImageKind.ARDUINO, image -> NonosBoot.sizeCodeFits(java.util.Arrays.copyOfRange(image, 0x1000, 0x1004), map));
        }

        @Override
        public void activate(StagedImage staged) {
            // Updater::end: ebcmd.action = ACTION_COPY_RAW; args[0] = _startAddress; args[1] = 0x00000;
            // args[2] = _size; eboot_command_write(&ebcmd). RTC only: no flash operation.
            writeCommand(rtc, ACTION_COPY_RAW, staged.region().offset(), 0, staged.length());
        }

        @Override
        public void confirm() {
            // eboot has no notion of a trial: nothing to confirm.
        }

        @Override
        public boolean pendingConfirm() {
            return false;
        }
    }
}

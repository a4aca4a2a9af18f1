package org.updraft.device.boot;

import org.updraft.device.flash.NorFlash;

/**
 * The running sketch's file system update, as the cores' {@code Updater} does it for
 * {@code U_FS} (ESP8266, cores/esp8266 {@code Updater.cpp}) and {@code U_SPIFFS} (arduino-esp32
 * {@code Updater.cpp}): the image is streamed through the same 4 KiB sector buffer as a sketch
 * ({@link SlotWriter}: erase a sector, program it), but <b>in place</b>, over the file system the
 * sketch is using. There is no second copy: from the first erase until the last page is
 * programmed the region holds part new, part old, part erased — a file system that does not
 * mount — and a power cut there leaves it so (docs/power-cut.md, "Filesystem updates").
 *
 * <p>ESP8266 with {@code ATOMIC_FS_UPDATE} defined ({@link #beginAtomic}): {@code Update.begin}
 * stages the image in the free sketch space below {@code FS_start} like a sketch, and
 * {@code Update.end} writes the eboot command {@code ACTION_COPY_RAW(staging, FS_start, size)};
 * the reboot that follows has eboot copy it over the file system sector by sector. A broken
 * download then leaves the file system untouched; the copy itself is still in place, and a power
 * cut during it loses the file system just the same (RTC memory, which holds the command, does not
 * survive the cut). The staging must fit the free sketch space ({@code FS_start -
 * roundup4K(sketch)}): the 2 MB file system of {@code arduino-4m} fits only beside a sketch of at
 * most 24 KiB.
 *
 * <p>Neither core checks the image: no magic byte ({@code _verifyHeader} and {@code _verifyEnd}
 * return true for a file system), only the MD5 its caller set.
 */
public final class FilesystemUpdate {

    private FilesystemUpdate() {
    }

    /** The board's file system region; UpdateException for a board whose map has none (NONOS). */
    public static Region region(Board board) throws UpdateException {
        return board.bootloader().map().filesystem().orElseThrow(() -> new UpdateException(
                "no file system region in flash map " + board.bootloader().map().id()));
    }

    /**
     * {@code Update.begin(size, U_FS)} without ATOMIC_FS_UPDATE, {@code Update.begin(size, U_SPIFFS)}:
     * refused (ESP8266 {@code UPDATE_ERROR_SPACE}, ESP32 {@code UPDATE_ERROR_SIZE}) when the
     * image is larger than the region; else a writer over the region from its start.
     */
    public static SlotWriter beginInPlace(Board board, int length) throws UpdateException {
        Region fs = region(board);
        if (length <= 0 || roundUp(length) > fs.size()) {
            throw new UpdateException(length + " bytes do not fit the " + fs.size() + "-byte file system region " + fs);
        }
        return new SlotWriter(board.flash(), new Region(fs.name(), fs.offset(), roundUp(length)), length, ImageKind.ARDUINO,
                image -> null);
    }

    /**
     * ESP8266 {@code Update.begin(size, U_FS)} with ATOMIC_FS_UPDATE: staged at
     * {@code FS_start - roundup4K(size)}, refused ({@code UPDATE_ERROR_SPACE}) when that is below
     * the running sketch or the image is larger than the file system.
     */
    public static SlotWriter beginAtomic(Board board, int length) throws UpdateException {
        if (!(board.bootloader() instanceof EbootCopy)) {
            throw new UpdateException("ATOMIC_FS_UPDATE is an Arduino ESP8266 (eboot) option; this board runs "
                    + board.bootloader().name());
        }
        Region fs = region(board);
        if (!(board.state() instanceof BootResult.Booted booted)) {
            throw new IllegalStateException("nothing is running: " + board.state());
        }
        int sketchSpace = roundUp(booted.image().length);
        int start = fs.offset() - roundUp(length);
        if (length <= 0 || roundUp(length) > fs.size() || start < sketchSpace) {
            throw new UpdateException("ERROR[4]: Not Enough Space: " + length + " bytes, " + (fs.offset() - sketchSpace)
                    + " free above the running sketch");
        }
        return new SlotWriter(board.flash(), new Region("staging", start, roundUp(length)), length, ImageKind.ARDUINO,
                image -> null);
    }

    /**
     * ESP8266 {@code Updater::end} for U_FS with ATOMIC_FS_UPDATE: the eboot command
     * {@code ACTION_COPY_RAW} with {@code args = {_startAddress, FS_PHYS_ADDR, _size}} (RTC memory
     * only); the caller then restarts the chip and eboot copies.
     */
    public static void activateAtomic(Board board, StagedImage staged) throws UpdateException {
        EbootCopy.writeCommand(board.rtc(), EbootCopy.ACTION_COPY_RAW, staged.region().offset(), region(board).offset(),
                staged.length());
    }

    private static int roundUp(int n) {
        return (n + NorFlash.SECTOR_SIZE - 1) & -NorFlash.SECTOR_SIZE;
    }
}

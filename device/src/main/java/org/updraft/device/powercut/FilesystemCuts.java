package org.updraft.device.powercut;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.Bootloader;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FilesystemUpdate;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;
import org.updraft.device.boot.Region;
import org.updraft.device.boot.SlotWriter;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;
import org.updraft.device.flash.CutMode;
import org.updraft.device.flash.FaultPlan;
import org.updraft.device.flash.NorFlash;
import org.updraft.device.flash.PowerCut;

/**
 * Power cuts during file system updates (docs/power-cut.md, "Filesystem updates"): the flash half
 * of {@code ESPhttpUpdate.updateFS} / {@code httpUpdate.updateSpiffs} as {@link FilesystemUpdate}
 * does it — the image streamed through the 4 KiB sector buffer, each sector erased then programmed
 * — and, for ESP8266 with ATOMIC_FS_UPDATE, the staging, the eboot command and eboot's copy at the
 * restart. Every operation of the clean run is cut in every mode (BEFORE, TORN, AFTER); then the
 * board is powered on and classified: the sketch must still boot (an app brick fails the run), and
 * the file system region holds the old image byte for byte (OLD), the new one (NEW), or neither —
 * the file system is lost (LOST: it does not mount; the sketch's {@code LittleFS.begin()} fails
 * and, unless the sketch formats it, every file is gone). After each cut a clean retry of the same
 * update must leave the new image.
 *
 * <p>Images are 64 KiB (16 sectors, 32 operations in place): the whole {@code arduino-1m} file
 * system; on {@code esp32-4m} the first 64 KiB of the {@code spiffs} partition (the stock client
 * writes {@code Content-Length} bytes from the partition's start, whatever the size). The result
 * does not depend on the size: every cut from the first erase to the last program loses the file
 * system.
 */
public final class FilesystemCuts {

    static final int IMAGE = 0x10000;

    /** One scenario's outcome over every cut. */
    public record FsRow(String profile, String scenario, int operations, int cuts, int old, int updated, int lost,
                        List<String> lostPoints, List<String> failedRetries) {
        public FsRow {
            lostPoints = List.copyOf(lostPoints);
            failedRetries = List.copyOf(failedRetries);
        }
    }

    private final long seed;

    public FilesystemCuts(long seed) {
        this.seed = seed;
    }

    /** The rows of docs/power-cut.md: in place on arduino-1m and esp32-4m, ATOMIC_FS_UPDATE on arduino-1m. */
    public List<FsRow> run() {
        return List.of(
                enumerate(new EbootCopy(FlashMap.ARDUINO_1M), "fs-in-place", false),
                enumerate(new EbootCopy(FlashMap.ARDUINO_1M), "fs-atomic", true),
                enumerate(new IdfOtaData(FlashMap.ESP32_4M, false), "fs-in-place", false));
    }

    FsRow enumerate(Bootloader bootloader, String scenario, boolean atomic) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] sketch = bootloader instanceof EbootCopy ? SampleFirmware.arduino(2, 1, 300 * 1024)
                : SampleFirmware.esp32("1.0.0", 1024 * 1024);
        byte[] oldFs = new byte[IMAGE];
        byte[] newFs = new byte[IMAGE];
        random.nextBytes(oldFs);
        random.nextBytes(newFs);
        Board factory = Board.provisioned(bootloader, sketch);
        Region fs = factory.bootloader().map().filesystem().orElseThrow();
        factory.flash().programPages(fs.offset(), oldFs);
        NorFlash start = factory.flash().copy();

        Board clean = boot(bootloader, start);
        clean.flash().arm(FaultPlan.NONE);
        update(clean, newFs, atomic);
        if (!Arrays.equals(clean.flash().read(fs.offset(), IMAGE), newFs)) {
            throw new IllegalStateException(scenario + ": the clean run does not leave the new file system");
        }
        int n = (int) clean.flash().operations();
        int old = 0;
        int updated = 0;
        int cuts = 0;
        List<String> lost = new ArrayList<>();
        List<String> failedRetries = new ArrayList<>();
        String name = bootloader.name() + "/" + bootloader.map().id();
        for (int op = 1; op <= n; op++) {
            for (CutMode mode : CutMode.values()) {
                String point = mode + "@" + op;
                Board board = boot(bootloader, start);
                board.flash().arm(FaultPlan.cutAt(op, mode, seed ^ op));
                try {
                    update(board, newFs, atomic);
                } catch (PowerCut expected) {
                    // the power is gone; only the flash is left
                }
                board.flash().arm(FaultPlan.NONE);
                BootResult after = board.powerOn();
                if (!(after instanceof BootResult.Booted booted) || !Arrays.equals(booted.image(), sketch)) {
                    throw new IllegalStateException(name + " " + scenario + " " + point + ": the sketch does not boot: " + after);
                }
                cuts++;
                byte[] now = board.flash().read(fs.offset(), IMAGE);
                if (Arrays.equals(now, oldFs)) {
                    old++;
                } else if (Arrays.equals(now, newFs)) {
                    updated++;
                } else {
                    lost.add(point);
                }
                update(board, newFs, atomic);
                if (!Arrays.equals(board.flash().read(fs.offset(), IMAGE), newFs)) {
                    failedRetries.add(point);
                }
            }
        }
        return new FsRow(name, scenario, n, cuts, old, updated, lost.size(), lost, failedRetries);
    }

    private static Board boot(Bootloader bootloader, NorFlash flash) {
        Board board = new Board(bootloader, flash.copy());
        board.powerOn();
        return board;
    }

    /** What the stock client does with flash once the body arrives (FilesystemUpdateClient), in 1460-byte reads. */
    private static void update(Board board, byte[] image, boolean atomic) {
        try {
            SlotWriter writer = atomic ? FilesystemUpdate.beginAtomic(board, image.length)
                    : FilesystemUpdate.beginInPlace(board, image.length);
            for (int at = 0; at < image.length; at += 1460) {
                writer.write(image, at, Math.min(1460, image.length - at));
            }
            StagedImage staged = writer.finishUnchecked(image.length, false);
            if (atomic) {
                FilesystemUpdate.activateAtomic(board, staged);
                board.reset();
            }
        } catch (UpdateException e) {
            throw new IllegalStateException("file system update refused: " + e.getMessage(), e);
        }
    }

    /** The table {@code updraft simulate powercut} prints after the app rows. */
    public static String table(List<FsRow> rows) {
        StringBuilder out = new StringBuilder();
        String format = "%-32s %-14s %5s %6s %6s %6s %6s  %s%n";
        out.append(String.format(Locale.ROOT, format, "profile", "scenario", "ops", "cuts", "old-fs", "new-fs", "lost",
                "cut points that lose the file system (the sketch boots after every cut)"));
        for (FsRow r : rows) {
            String points = r.lost() == 0 ? "-" : Report.compress(r.lostPoints());
            if (!r.failedRetries().isEmpty()) {
                points += "  RETRY FAILED after " + r.failedRetries();
            }
            out.append(String.format(Locale.ROOT, format, r.profile(), r.scenario(), r.operations(), r.cuts(), r.old(),
                    r.updated(), r.lost(), points));
        }
        return out.toString();
    }
}

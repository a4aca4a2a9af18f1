package org.updraft.device.boot;

import java.util.OptionalLong;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.SystemParameters.Effective;
import org.updraft.device.boot.SystemParameters.Params;
import org.updraft.device.flash.NorFlash;

/**
 * ESP8266 NONOS SDK boot: boot.bin at 0x0 "checks the flag in System param area" to choose
 * user1 or user2 (Espressif, ESP8266 FOTA Introduction v1.6), the application writes the other
 * slot and flips that flag ({@code system_upgrade_start}, {@code UPGRADE_FLAG_FINISH},
 * {@code system_upgrade_reboot}). The flag lives in the SDK's power-safe two-copy store
 * ({@link SystemParameters}). Upstream reference: Espressif ESP8266_NONOS_SDK v2.2.1,
 * {@code bin/boot_v1.7.bin} and "ESP8266 FOTA Introduction" v1.6 (the boot loader ships as a
 * binary); {@link #stock} is that boot loader, the public constructor Updraft's verifying model
 * (docs/emulator-fidelity.md).
 *
 * <p>Updraft additions, both inside the same store: boot verifies the chosen image and falls back
 * to the other slot when it is invalid; with a {@link TrialBoot} a new image boots on probation,
 * each probation boot is counted, and after {@code boots} unconfirmed boots the bootloader
 * reverts to the previous slot.
 *
 * <p><b>Slot link.</b> A v2 image's irom0 is executed in place through the flash cache at the
 * address it was linked for ({@link FlashLayout#userIromLinkBase(int)}: 0x40201010 for user1,
 * 0x40241010/0x40281010/0x40301010 for user2), so {@code user1.bin} written into user2 jumps into
 * the <em>other</em> slot's code on its first irom0 call and crashes. Neither side of the stock
 * SDK checks this: {@code system_upgrade_start}/{@code upgrade_crc_check} only checks the bin's
 * CRC, and boot.bin (1.5–1.7) only falls back to the other slot for a bad magic byte ("error
 * magic!", "first boot failed, reboot to try backup bin", Espressif BBS t=2911); a wrong-slot
 * image has the right magic, is jumped into and crash-loops until reflashed over serial (BBS
 * t=1536, user2 linked for the wrong map: "E:M 0" at every boot). So on stock hardware it is a
 * brick, not a fallback. This model does two things, and both are stated as such:
 * <ul>
 *   <li>every emulated write path refuses it before the flag can move (the updater's slot check
 *       below: {@link SlotWriter#finish()} fails, so {@code NonosUpgradeClient} and esp-link's
 *       upload answer an error) — where the real SDK would have written it and crashed;</li>
 *   <li>boot, which already verifies the chosen image as Updraft's addition (CRC, structure),
 *       counts an image linked for the other slot as one more kind of invalid image and falls back
 *       — this is the verifying boot's behaviour, not boot.bin's; only images written behind the
 *       model's back (serial flashing, a test) can reach it.</li>
 * </ul>
 * When the link address cannot be inferred (core's heuristic needs enough literal-pool pointers;
 * {@link FirmwareImage#iromLinkAddress()} is empty; the same inference is applied to the walked bytes) nothing is decided and the image counts as
 * linked for its slot, as the real chip would run it if it happened to be.
 */
public final class NonosBoot implements Bootloader {
    private final FlashMap map;
    private final TrialBoot trial;
    /** False for {@link #stock}: boot.bin as Espressif ships it, no verification, no fallback past the magic byte. */
    private final boolean verifying;

    public NonosBoot(FlashMap map, TrialBoot trial) {
        this(map, trial, true);
    }

    /**
     * Espressif's boot.bin (1.5–1.7) as esp-link and every stock NONOS application boot with it:
     * it reads the flag, falls back to the other slot only when the chosen one does not start with
     * the EA magic byte ("error magic!", "first boot failed, reboot to try backup bin"), and
     * otherwise jumps into it — a truncated, corrupt or other-slot image crash-loops, which this
     * model reports as {@link BootResult.Bricked}. No trial boot.
     */
    public static NonosBoot stock(FlashMap map) {
        return new NonosBoot(map, TrialBoot.OFF, false);
    }

    private NonosBoot(FlashMap map, TrialBoot trial, boolean verifying) {
        this.verifying = verifying;
        switch (map) {
            case NONOS_512K, NONOS_1M, NONOS_4M_MAP4, NONOS_4M_MAP6 -> { }
            default -> throw new IllegalArgumentException("NonosBoot runs on a NONOS flash map, not " + map);
        }
        this.map = map;
        this.trial = trial;
    }

    @Override
    public FlashMap map() {
        return map;
    }

    @Override
    public String name() {
        return !verifying ? "nonos-stock" : trial.enabled() ? "nonos+trial" + trial.boots() : "nonos";
    }

    Region slot(int number) {
        return number == 1 ? map.user1() : map.user2();
    }

    @Override
    public void provision(NorFlash flash, byte[] image) {
        flash.eraseRange(0, NorFlash.SECTOR_SIZE); // boot.bin itself is not modelled byte by byte
        write(flash, map.user1(), image);
        flash.eraseRange(map.systemParameters(), 3 * NorFlash.SECTOR_SIZE);
    }

    @Override
    public BootResult boot(NorFlash flash, RtcMemory rtc) {
        int base = map.systemParameters();
        Params p = SystemParameters.read(flash, base).params();
        int chosen = p.slot();
        if (trial.enabled() && p.onTrial()) {
            if (p.bootsUsed() >= trial.boots()) {
                Params reverted = p.next(p.previous(), p.slot(), false, 0);
                SystemParameters.save(flash, base, reverted);
                chosen = reverted.slot();
            } else {
                SystemParameters.save(flash, base, p.next(p.slot(), p.previous(), true, p.bootsUsed() + 1));
            }
        }
        if (!verifying) {
            return stockBoot(flash, chosen);
        }
        for (int number : new int[] {chosen, 3 - chosen}) {
            ImageWalk walk = ImageWalk.walk(flash, slot(number).offset(), slot(number).size(), ImageKind.NONOS_V2);
            if (walk.valid() && linkProblem(walk.image(), number) == null) {
                return BootResult.Booted.of(slot(number), walk.image());
            }
        }
        return new BootResult.Bricked("neither user1 nor user2 holds a valid image");
    }

    /** boot.bin: the magic byte decides the slot; what is in it decides whether it runs. */
    private BootResult stockBoot(NorFlash flash, int chosen) {
        int number = chosen;
        if ((flash.read(slot(chosen).offset(), 1)[0] & 0xFF) != 0xEA) {
            number = 3 - chosen; // "error magic!": try the backup bin
            if ((flash.read(slot(number).offset(), 1)[0] & 0xFF) != 0xEA) {
                return new BootResult.Bricked("boot.bin: neither user1 nor user2 starts with the EA magic byte");
            }
        }
        ImageWalk walk = ImageWalk.walk(flash, slot(number).offset(), slot(number).size(), ImageKind.NONOS_V2);
        if (!walk.valid()) {
            return new BootResult.Bricked("boot.bin jumps into user" + number + ", which is not an intact image ("
                    + walk.problem() + "): it crash-loops until reflashed over serial");
        }
        String link = linkProblem(walk.image(), number);
        if (link != null) {
            return new BootResult.Bricked("boot.bin jumps into user" + number + ": " + link + "; it crash-loops until"
                    + " reflashed over serial");
        }
        return BootResult.Booted.of(slot(number), walk.image());
    }

    @Override
    public Updater updater(NorFlash flash, RtcMemory rtc, BootResult.Booted running) {
        int runningSlot = running.slot().name().equals("user1") ? 1 : 2;
        return new NonosUpdater(flash, runningSlot);
    }

    /** The application side: {@code system_upgrade_start} writes the other slot, then the flag. */
    private final class NonosUpdater implements Updater {
        private final NorFlash flash;
        private final int running;

        NonosUpdater(NorFlash flash, int running) {
            this.flash = flash;
            this.running = running;
        }

        @Override
        public Region target() {
            return slot(3 - running);
        }

        @Override
        public int capacity() {
            return target().size();
        }

        @Override
        public SlotWriter begin(int length) throws UpdateException {
            if (length <= 0 || length > capacity()) {
                throw new UpdateException("image of " + length + " bytes does not fit " + target()
                        + " (" + capacity() + " bytes)");
            }
            int slot = 3 - running;
            return new SlotWriter(flash, target(), length, ImageKind.NONOS_V2, image -> {
                String size = sizeCodeFits(image, map);
                return size != null ? size : linkProblem(image, slot);
            });
        }

        @Override
        public void activate(StagedImage staged) {
            if (!staged.region().equals(target())) {
                throw new IllegalArgumentException("staged in " + staged.region() + ", expected " + target());
            }
            Effective current = SystemParameters.read(flash, map.systemParameters());
            SystemParameters.save(flash, map.systemParameters(),
                    current.params().next(3 - running, running, trial.enabled(), 0));
        }

        @Override
        public void confirm() {
            Params p = SystemParameters.read(flash, map.systemParameters()).params();
            if (p.onTrial() && p.slot() == running) {
                SystemParameters.save(flash, map.systemParameters(), p.next(p.slot(), p.previous(), false, 0));
            }
        }

        @Override
        public boolean pendingConfirm() {
            Params p = SystemParameters.read(flash, map.systemParameters()).params();
            return p.onTrial() && p.slot() == running;
        }
    }

    /**
     * {@code system_upgrade_flag_set(UPGRADE_FLAG_FINISH)} followed by {@code system_upgrade_reboot()}
     * as an application calls them without {@code system_upgrade_start}: the SDK flips the boot
     * flag to the slot not running and looks at nothing in it. esp-link's {@code /flash/reboot}
     * ({@code cgiRebootFirmware}) does exactly this after checking only the first 32 bytes of that
     * slot, so a stale, truncated or other-slot image can be selected; what then boots is up to
     * {@link #boot}. Call at the reset, not before: the flag moves only when the timer fires.
     */
    public void flipToOtherSlot(NorFlash flash, BootResult.Booted running) {
        int runningSlot = running.slot().name().equals("user1") ? 1 : 2;
        Effective current = SystemParameters.read(flash, map.systemParameters());
        SystemParameters.save(flash, map.systemParameters(),
                current.params().next(3 - runningSlot, runningSlot, trial.enabled(), 0));
    }

    /** The slot number the boot flag selects (1 or 2), as boot.bin reads it before any check. */
    public int selectedSlot(NorFlash flash) {
        return SystemParameters.read(flash, map.systemParameters()).params().slot();
    }

    /**
     * Why {@code image} (a complete, valid v2 image) cannot run from user {@code slot}: its irom0
     * was linked for the other slot; null when it was linked for this one or the link address is
     * unknown (see the class comment).
     */
    String linkProblem(byte[] image, int slot) {
        // The image is already walked and valid (EA 04, irom0 length at 12, irom0 data from 16):
        // only core's link inference is needed, the same one FirmwareImage.iromLinkAddress() reports.
        int iromLength = ImageWalk.u32(image, 12);
        if (image.length < 16 || iromLength < 0 || 16L + iromLength > image.length) {
            return "irom0 segment runs past the image";
        }
        OptionalLong linked = FirmwareImage.inferIromLinkBase(image, 16, iromLength);
        long expected = map.layout().userIromLinkBase(slot).getAsLong();
        if (linked.isEmpty() || linked.getAsLong() == expected) {
            return null;
        }
        OptionalLong other = map.layout().userSlotForIromLinkBase(linked.getAsLong());
        return String.format("irom0 is linked at 0x%08X (%s) but user%d runs it from 0x%08X: it would crash on its"
                + " first irom0 call", linked.getAsLong(),
                other.isPresent() ? "the user" + other.getAsLong() + ".bin build" : "another flash map", slot, expected);
    }

    /** Header byte 3, high nibble (ESP8266): 0=512K 1=256K 2=1M 3=2M 4=4M 5=2M-c1 6=4M-c1 8=8M 9=16M. */
    static String sizeCodeFits(byte[] image, FlashMap map) {
        int code = (image[3] & 0xFF) >> 4;
        long bytes = switch (code) {
            case 0 -> 512 * 1024;
            case 1 -> 256 * 1024;
            case 2 -> 1024 * 1024;
            case 3, 5 -> 2 * 1024 * 1024;
            case 4, 6 -> 4 * 1024 * 1024;
            case 8 -> 8 * 1024 * 1024;
            case 9 -> 16 * 1024 * 1024;
            default -> Long.MAX_VALUE;
        };
        return bytes <= map.flashSize() ? null
                : "header says a " + bytes / 1024 + " KiB flash (size code " + code + ") but the chip has "
                        + map.flashSize() / 1024 + " KiB";
    }

    static void write(NorFlash flash, Region region, byte[] image) {
        flash.eraseRange(region.offset(), (image.length + NorFlash.SECTOR_SIZE - 1) / NorFlash.SECTOR_SIZE * NorFlash.SECTOR_SIZE);
        flash.programPages(region.offset(), image);
    }
}

package org.updraft.device.boot;

import org.updraft.device.flash.NorFlash;

/**
 * A boot model: what runs from reset until an application starts, plus the application-side half
 * of the same protocol (how a running app stages, activates and confirms an update).
 *
 * <p>Implementations are stateless: everything they know is read from flash (and, for eboot,
 * RTC memory) on every call, since a power cut can strike between any two flash operations.
 */
public sealed interface Bootloader permits NonosBoot, EbootCopy, IdfOtaData {

    /** The flash map this model runs on. */
    FlashMap map();

    /** A short name for reports, e.g. {@code nonos+trial2}. */
    String name();

    /**
     * Factory state as {@code esptool write_flash} leaves it: {@code image} in the first slot,
     * selectors erased. Not power-cut tested (it happens on the bench).
     */
    void provision(NorFlash flash, byte[] image);

    /** Runs the bootloader. May write flash (trial counters, state changes, eboot's copy). */
    BootResult boot(NorFlash flash, RtcMemory rtc);

    /** The update API of the application that {@code running} started. */
    Updater updater(NorFlash flash, RtcMemory rtc, BootResult.Booted running);
}

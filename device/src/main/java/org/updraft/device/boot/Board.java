package org.updraft.device.boot;

import java.util.Optional;
import org.updraft.core.sign.VerifyingKey;
import org.updraft.device.flash.NorFlash;

/**
 * One emulated chip: its flash, its RTC memory and the boot model burnt into it. The only state
 * that survives {@link #powerOn()} is the flash; {@link #reset()} (software reset, watchdog,
 * {@code ESP.restart()}) also keeps RTC memory.
 */
public final class Board {
    private final Bootloader bootloader;
    private final NorFlash flash;
    private final RtcMemory rtc = new RtcMemory();
    private BootResult state = new BootResult.Bricked("not powered on yet");
    private volatile VerifyingKey publicKey;

    public Board(Bootloader bootloader, NorFlash flash) {
        if (flash.size() != bootloader.map().flashSize()) {
            throw new IllegalArgumentException("a " + bootloader.map() + " board needs a "
                    + bootloader.map().flashSize() / 1024 + " KiB chip, got " + flash.size() / 1024 + " KiB");
        }
        this.bootloader = bootloader;
        this.flash = flash;
    }

    /** A chip fresh from the factory: {@code image} flashed over serial, then powered on. */
    public static Board provisioned(Bootloader bootloader, byte[] image) {
        NorFlash flash = NorFlash.erased(bootloader.map().flashSize());
        bootloader.provision(flash, image);
        Board board = new Board(bootloader, flash);
        board.powerOn();
        return board;
    }

    public BootResult powerOn() {
        rtc.powerLoss();
        return reset();
    }

    public BootResult reset() {
        state = bootloader.boot(flash, rtc);
        return state;
    }

    public BootResult state() {
        return state;
    }

    /** The running application's update API. */
    public Updater updater() {
        if (!(state instanceof BootResult.Booted booted)) {
            throw new IllegalStateException("nothing is running: " + state);
        }
        return bootloader.updater(flash, rtc, booted);
    }

    /**
     * Arduino ESP8266 {@code Update.installSignature(hash, verifier)} (cores/esp8266
     * {@code Updater.h}; done by the core itself when the sketch directory holds
     * {@code public.key}): from now on every Updater path — ESP8266httpUpdate, the web updater,
     * ArduinoOTA — verifies the signed trailer after the write, skips the x-MD5 comparison and
     * refuses with {@code ERROR[12]} (docs/emulator.md, {@code --public-key}). A property of the
     * sketch, kept here for the emulated device's lifetime; only Arduino ESP8266 boards have it.
     */
    public void installPublicKey(VerifyingKey key) {
        if (!(bootloader instanceof EbootCopy)) {
            throw new IllegalArgumentException("signed updates are an Arduino ESP8266 Updater feature (eboot boards);"
                    + " this board runs " + bootloader.name());
        }
        this.publicKey = java.util.Objects.requireNonNull(key, "key");
    }

    /** The key {@link #installPublicKey} installed, if any. */
    public Optional<VerifyingKey> publicKey() {
        return Optional.ofNullable(publicKey);
    }

    public NorFlash flash() {
        return flash;
    }

    public RtcMemory rtc() {
        return rtc;
    }

    public Bootloader bootloader() {
        return bootloader;
    }
}

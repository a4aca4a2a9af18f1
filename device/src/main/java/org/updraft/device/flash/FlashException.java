package org.updraft.device.flash;

/**
 * A flash operation the real part would not perform as asked: an unaligned erase, a program
 * that crosses a 256-byte page, an access outside the chip, or programming a 1 over a 0
 * (NOR programming can only clear bits; the model reports it instead of silently ANDing, as
 * MCUboot's strict simflash does).
 */
public final class FlashException extends RuntimeException {
    public FlashException(String message) {
        super(message);
    }

    static FlashException notErased(int address, byte old, byte wanted) {
        return new FlashException(String.format(
                "program over unerased data at 0x%06X: flash holds 0x%02X, program wants 0x%02X"
                        + " (a program can only clear bits; erase the sector first)",
                address, old & 0xFF, wanted & 0xFF));
    }
}

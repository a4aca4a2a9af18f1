package org.updraft.device.boot;

import java.util.HexFormat;

/** What powering on (or resetting) the chip leads to. */
public sealed interface BootResult {

    /**
     * The bootloader started the image in {@code slot}; {@code image} is exactly the bytes it
     * walked (header to checksum/CRC/hash), {@code sha256} their digest in lower-case hex.
     * {@code image} is read-only: chips that boot the same bytes share one array ({@link BootedImages}).
     */
    record Booted(Region slot, byte[] image, String sha256) implements BootResult {
        static Booted of(Region slot, byte[] image) {
            String sha256 = HexFormat.of().formatHex(ImageWalk.sha256(image, 0, image.length));
            return new Booted(slot, BootedImages.intern(sha256, image), sha256);
        }

        @Override
        public String toString() {
            return "Booted[" + slot.name() + ", " + image.length + " bytes, sha256 " + sha256.substring(0, 12) + "…]";
        }
    }

    /** Nothing runnable: the chip needs a serial cable. */
    record Bricked(String reason) implements BootResult {
    }
}

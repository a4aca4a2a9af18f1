package org.updraft.core.image;

import java.util.Optional;

/** SPI flash mode, header byte 2: "0 QIO, 1 QOUT, 2 DIO, 3 DOUT" (esptool firmware-image-format.rst). */
public enum FlashMode {
    QIO, QOUT, DIO, DOUT;

    /** The header code, 0..3. */
    public int code() {
        return ordinal();
    }

    /** The mode for a header code; empty for anything but 0..3. */
    public static Optional<FlashMode> fromCode(int code) {
        return code >= 0 && code < values().length ? Optional.of(values()[code]) : Optional.empty();
    }
}

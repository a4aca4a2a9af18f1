package org.updraft.device.boot;

/** The image container a bootloader expects in its slots (esptool {@code firmware-image-format.rst}). */
public enum ImageKind {
    /** NONOS SDK {@code user1.bin}/{@code user2.bin}: EA header, irom0 segment, E9 part, u32 CRC. */
    NONOS_V2,
    /** Arduino ESP8266 sketch: eboot (E9) padded to 0x1000, then the app E9 image. */
    ARDUINO,
    /** ESP32 application: E9 header, 16-byte extended header, segments, checksum, SHA-256. */
    ESP32
}

package org.updraft.core.image;

import java.util.zip.CRC32;

/** The three integrity codes of the ESP8266/ESP32 image formats. */
final class Checksums {

    /** "checksum byte = 0xEF ^ xor of all segment data bytes" (esptool {@code ESP_CHECKSUM_MAGIC}). */
    static final int CHECKSUM_SEED = 0xEF;

    private static final int[] MSB_TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int bit = 0; bit < 8; bit++) {
                c = (c & 0x8000_0000) != 0 ? (c << 1) ^ 0x04C1_1DB7 : c << 1;
            }
            MSB_TABLE[i] = c;
        }
    }

    private Checksums() {
    }

    /** XOR of {@code bytes[offset, offset+length)} into {@code acc}. */
    static int xor(byte[] bytes, int offset, int length, int acc) {
        int x = acc;
        for (int i = offset; i < offset + length; i++) {
            x ^= bytes[i];
        }
        return x & 0xFF;
    }

    /**
     * The v2 (EA) image CRC, esptool {@code bin_image.py esp8266_crc32}: "crc = binascii.crc32(data)
     * ... if crc &amp; 0x80000000: return crc ^ 0xFFFFFFFF else: return crc + 1", over every byte of
     * the file before the CRC word.
     */
    static long esp8266V2Crc(byte[] bytes, int length) {
        CRC32 crc32 = new CRC32();
        crc32.update(bytes, 0, length);
        long crc = crc32.getValue();
        return (crc & 0x8000_0000L) != 0 ? crc ^ 0xFFFF_FFFFL : (crc + 1) & 0xFFFF_FFFFL;
    }

    /**
     * The Arduino core's CRC ({@code tools/elf2bin.py crc8266}, {@code cores/esp8266/crc32.cpp}):
     * MSB first, polynomial 0x04C11DB7, no reflection, no final XOR; start with 0xFFFFFFFF.
     */
    static int arduinoCrc(int crc, byte[] bytes, int offset, int length) {
        int c = crc;
        for (int i = offset; i < offset + length; i++) {
            c = (c << 8) ^ MSB_TABLE[((c >>> 24) ^ bytes[i]) & 0xFF];
        }
        return c;
    }
}

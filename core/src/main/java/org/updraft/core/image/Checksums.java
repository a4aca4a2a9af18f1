package org.updraft.core.image;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import java.util.zip.CRC32;

/** The three integrity codes of the ESP8266/ESP32 image formats. */
final class Checksums {

    /** "checksum byte = 0xEF ^ xor of all segment data bytes" (esptool {@code ESP_CHECKSUM_MAGIC}). */
    static final int CHECKSUM_SEED = 0xEF;

    private static final int[] MSB_TABLE = new int[256];
    /**
     * Slicing-by-16 (Intel, Kounavis &amp; Berry, widened): {@code SLICE[k][x]} is the CRC
     * contribution of byte x followed by k zero bytes, so 16 input bytes cost 16 independent table
     * loads instead of a chain of 16 dependent ones; the 16 KiB of tables stay in L1. JMH
     * (BENCHMARKS.md): FirmwareImage.parse of a 1 MB Arduino sketch went from ~0.3 GB/s (bytewise,
     * bound by this CRC) to 1.37 GB/s (by 8) and 1.50 GB/s (by 16), back to back on one machine.
     */
    private static final int[][] SLICE = new int[16][256];
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int bit = 0; bit < 8; bit++) {
                c = (c & 0x8000_0000) != 0 ? (c << 1) ^ 0x04C1_1DB7 : c << 1;
            }
            MSB_TABLE[i] = c;
        }
        SLICE[0] = MSB_TABLE;
        for (int k = 1; k < SLICE.length; k++) {
            for (int i = 0; i < 256; i++) {
                int prev = SLICE[k - 1][i];
                SLICE[k][i] = (prev << 8) ^ MSB_TABLE[prev >>> 24];
            }
        }
    }

    private Checksums() {
    }

    /** XOR of {@code bytes[offset, offset+length)} into {@code acc}. */
    static int xor(byte[] bytes, int offset, int length, int acc) {
        // XOR is bytewise, so XOR 8 bytes at a time as a long and fold the long's bytes at the end.
        int end = offset + length;
        int i = offset;
        long wide = 0;
        for (; i + 8 <= end; i += 8) {
            wide ^= (long) LONG_LE.get(bytes, i);
        }
        wide ^= wide >>> 32;
        wide ^= wide >>> 16;
        wide ^= wide >>> 8;
        int x = acc ^ (int) wide;
        for (; i < end; i++) {
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
        int end = offset + length;
        int i = offset;
        int[] t0 = SLICE[0], t1 = SLICE[1], t2 = SLICE[2], t3 = SLICE[3];
        int[] t4 = SLICE[4], t5 = SLICE[5], t6 = SLICE[6], t7 = SLICE[7];
        int[] t8 = SLICE[8], t9 = SLICE[9], t10 = SLICE[10], t11 = SLICE[11];
        int[] t12 = SLICE[12], t13 = SLICE[13], t14 = SLICE[14], t15 = SLICE[15];
        for (; i + 16 <= end; i += 16) {
            int w0 = c ^ (int) INT_BE.get(bytes, i);
            int w1 = (int) INT_BE.get(bytes, i + 4);
            int w2 = (int) INT_BE.get(bytes, i + 8);
            int w3 = (int) INT_BE.get(bytes, i + 12);
            c = t15[w0 >>> 24] ^ t14[(w0 >>> 16) & 0xFF] ^ t13[(w0 >>> 8) & 0xFF] ^ t12[w0 & 0xFF]
                    ^ t11[w1 >>> 24] ^ t10[(w1 >>> 16) & 0xFF] ^ t9[(w1 >>> 8) & 0xFF] ^ t8[w1 & 0xFF]
                    ^ t7[w2 >>> 24] ^ t6[(w2 >>> 16) & 0xFF] ^ t5[(w2 >>> 8) & 0xFF] ^ t4[w2 & 0xFF]
                    ^ t3[w3 >>> 24] ^ t2[(w3 >>> 16) & 0xFF] ^ t1[(w3 >>> 8) & 0xFF] ^ t0[w3 & 0xFF];
        }
        for (; i + 8 <= end; i += 8) {
            int hi = c ^ (int) INT_BE.get(bytes, i);
            int lo = (int) INT_BE.get(bytes, i + 4);
            c = t7[hi >>> 24] ^ t6[(hi >>> 16) & 0xFF] ^ t5[(hi >>> 8) & 0xFF] ^ t4[hi & 0xFF]
                    ^ t3[lo >>> 24] ^ t2[(lo >>> 16) & 0xFF] ^ t1[(lo >>> 8) & 0xFF] ^ t0[lo & 0xFF];
        }
        for (; i < end; i++) {
            c = (c << 8) ^ MSB_TABLE[((c >>> 24) ^ bytes[i]) & 0xFF];
        }
        return c;
    }
}

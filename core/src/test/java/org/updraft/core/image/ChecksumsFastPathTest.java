package org.updraft.core.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The word-at-a-time XOR and the slicing-by-16 CRC (and its by-8 and bytewise tails) agree with the byte-at-a-time definitions. */
class ChecksumsFastPathTest {

    private static int xorReference(byte[] b, int off, int len, int acc) {
        int x = acc;
        for (int i = off; i < off + len; i++) {
            x ^= b[i];
        }
        return x & 0xFF;
    }

    private static int crcReference(int crc, byte[] b, int off, int len) {
        int c = crc;
        for (int i = off; i < off + len; i++) {
            c ^= (b[i] & 0xFF) << 24;
            for (int bit = 0; bit < 8; bit++) {
                c = (c & 0x8000_0000) != 0 ? (c << 1) ^ 0x04C1_1DB7 : c << 1;
            }
        }
        return c;
    }

    @Test
    void everyOffsetAndLengthAroundTheWordBoundaries() {
        SplittableRandom r = new SplittableRandom(7);
        byte[] data = new byte[4096];
        r.nextBytes(data);
        for (int off = 0; off < 17; off++) {
            for (int len = 0; len < 70; len++) {
                int acc = r.nextInt(256);
                assertThat(Checksums.xor(data, off, len, acc)).as("xor off %d len %d", off, len)
                        .isEqualTo(xorReference(data, off, len, acc));
                int crc = r.nextInt();
                assertThat(Checksums.arduinoCrc(crc, data, off, len)).as("crc off %d len %d", off, len)
                        .isEqualTo(crcReference(crc, data, off, len));
            }
        }
        assertThat(Checksums.arduinoCrc(0xFFFF_FFFF, data, 3, 4000)).isEqualTo(crcReference(0xFFFF_FFFF, data, 3, 4000));
        assertThat(Checksums.xor(data, 5, 4000, 0xEF)).isEqualTo(xorReference(data, 5, 4000, 0xEF));
    }
}

package org.updraft.core.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Check values of the CRC catalogue for "123456789". */
class ChecksumsTest {

    private static final byte[] CHECK = "123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void arduinoCrcIsCrc32Mpeg2() {
        assertThat(Checksums.arduinoCrc(0xFFFFFFFF, CHECK, 0, 9)).isEqualTo(0x0376E6E7);
    }

    @Test
    void v2CrcIsZlibCrcInvertedWhenBit31IsSet() {
        // zlib CRC-32 of "123456789" is 0xCBF43926, bit 31 set, so ^ 0xFFFFFFFF
        assertThat(Checksums.esp8266V2Crc(CHECK, 9)).isEqualTo(0x340BC6D9L);
        // zlib CRC-32 of "a" is 0xE8B7BE43 (bit 31 set); of "" is 0 (clear), giving 0 + 1
        assertThat(Checksums.esp8266V2Crc(new byte[0], 0)).isEqualTo(1L);
    }

    @Test
    void xorChecksumSeed() {
        assertThat(Checksums.xor(new byte[] {0x01, 0x02}, 0, 2, Checksums.CHECKSUM_SEED)).isEqualTo(0xEF ^ 3);
    }
}

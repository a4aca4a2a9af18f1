package org.updraft.core.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IromLinkBaseTest {

    private static byte[] withPointers(long base, int count, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < count; i++) {
            ByteOrderLe.putU32(b, i * 16, base + i * 4L);
        }
        return b;
    }

    @Test
    void fourHitsAreEnough() {
        assertThat(IromLinkBase.infer(withPointers(0x40241010L, 4, 256), 0, 256)).hasValue(0x40241010L);
    }

    @Test
    void threeHitsAreNot() {
        assertThat(IromLinkBase.infer(withPointers(0x40241010L, 3, 256), 0, 256)).isEmpty();
    }

    @Test
    void aCloseRunnerUpMakesItUndecidable() {
        byte[] b = withPointers(0x40201010L, 5, 512);
        for (int i = 0; i < 3; i++) {
            ByteOrderLe.putU32(b, 256 + i * 16, 0x40281010L + i * 4L);
        }
        assertThat(IromLinkBase.infer(b, 0, 512)).isEmpty();
        assertThat(FirmwareImage.inferIromLinkBase(withPointers(0x40301010L, 8, 256), 0, 256))
                .hasValue(0x40301010L);
    }
}

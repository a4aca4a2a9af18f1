package org.updraft.core.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageSizesTest {

    private static final long K = 1024;
    private static final long M = K * K;

    @Test
    void esp8266SizeCodes() {
        long[] expected = {512 * K, 256 * K, M, 2 * M, 4 * M, 2 * M, 4 * M, -1, 8 * M, 16 * M};
        for (int code = 0; code < expected.length; code++) {
            if (expected[code] < 0) {
                assertThat(ImageSizes.esp8266FlashSize(code)).isEmpty();
            } else {
                assertThat(ImageSizes.esp8266FlashSize(code)).as("code " + code).hasValue(expected[code]);
            }
        }
        assertThat(ImageSizes.esp8266FlashSize(10)).isEmpty();
    }

    @Test
    void esp32SizeCodes() {
        assertThat(ImageSizes.esp32FlashSize(0)).hasValue(M);
        assertThat(ImageSizes.esp32FlashSize(4)).hasValue(16 * M);
        assertThat(ImageSizes.esp32FlashSize(7)).hasValue(128 * M);
        assertThat(ImageSizes.esp32FlashSize(8)).isEmpty();
    }

    @Test
    void frequencies() {
        assertThat(ImageSizes.flashFrequencyMHz(0)).hasValue(40);
        assertThat(ImageSizes.flashFrequencyMHz(1)).hasValue(26);
        assertThat(ImageSizes.flashFrequencyMHz(2)).hasValue(20);
        assertThat(ImageSizes.flashFrequencyMHz(0xF)).hasValue(80);
        assertThat(ImageSizes.flashFrequencyMHz(3)).isEmpty();
        assertThat(ImageSizes.frequencyNibble(80)).isEqualTo(0xF);
    }
}

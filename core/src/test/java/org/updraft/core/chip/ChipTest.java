package org.updraft.core.chip;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ChipTest {

    @Test
    void esp32ChipIds() {
        assertThat(Chip.fromEsp32ChipId(0)).isEqualTo(Chip.ESP32);
        assertThat(Chip.fromEsp32ChipId(2)).isEqualTo(Chip.ESP32_S2);
        assertThat(Chip.fromEsp32ChipId(5)).isEqualTo(Chip.ESP32_C3);
        assertThat(Chip.fromEsp32ChipId(9)).isEqualTo(Chip.ESP32_S3);
        assertThat(Chip.fromEsp32ChipId(12)).isEqualTo(Chip.ESP32_C2);
        assertThat(Chip.fromEsp32ChipId(13)).isEqualTo(Chip.ESP32_C6);
        assertThat(Chip.fromEsp32ChipId(16)).isEqualTo(Chip.ESP32_H2);
        assertThat(Chip.fromEsp32ChipId(18)).isEqualTo(Chip.ESP32_P4);
        assertThat(Chip.fromEsp32ChipId(23)).isEqualTo(Chip.ESP32_C5);
        assertThatThrownBy(() -> Chip.fromEsp32ChipId(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown ESP32 chip_id -1; known: 0 ESP32");
    }

    @Test
    void namesAndFamily() {
        assertThat(Chip.ESP8266.displayName()).isEqualTo("ESP8266");
        assertThat(Chip.ESP32_C3.displayName()).isEqualTo("ESP32-C3");
        assertThat(Chip.ESP8266.isEsp32Family()).isFalse();
        assertThat(Chip.ESP32_P4.isEsp32Family()).isTrue();
    }
}

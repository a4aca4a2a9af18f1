package org.updraft.device.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;

class FlashMapTest {

    @Test
    void offsetsAgreeWithCoresFlashLayout() {
        for (FlashMap map : FlashMap.values()) {
            FlashLayout layout = map.layout();
            assertThat((long) map.flashSize()).as(map.id()).isEqualTo(layout.flashSize());
            assertThat(map.id()).isEqualTo(layout.id());
            switch (map) {
                case ESP32_4M -> assertThat(List.of((long) map.app(0).offset(), (long) map.app(1).offset()))
                        .isEqualTo(layout.slotOffsets());
                case ARDUINO_1M, ARDUINO_4M -> assertThat(layout.slotOffsets()).containsExactly(0L);
                default -> {
                    assertThat(List.of((long) map.user1().offset(), (long) map.user2().offset()))
                            .isEqualTo(layout.slotOffsets());
                    assertThat((long) map.user2().size()).isLessThanOrEqualTo(layout.slotSize());
                    assertThat((long) map.user2().end()).isLessThanOrEqualTo(layout.rfCalOffset().orElseThrow());
                    assertThat((long) map.systemParameters()).isEqualTo(layout.systemParamOffset().orElseThrow());
                }
            }
        }
    }

    @Test
    void the512KMapMatchesTheSdkTable() {
        assertThat(FlashMap.NONOS_512K.regions()).extracting(Region::toString).containsExactly(
                "boot@0x000000+0x1000", "user1@0x001000+0x3A000", "user2@0x041000+0x3A000",
                "rf_cal@0x07B000+0x1000", "rf_init@0x07C000+0x1000", "system_param@0x07D000+0x3000");
    }

    @Test
    void imagesFromCoresImageBuilderBootInEveryModel() throws Exception {
        Board nonos = Board.provisioned(new NonosBoot(FlashMap.NONOS_512K, TrialBoot.of(1)),
                ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(1, 8000).build());
        byte[] user2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(2, 8000).build();
        nonos.updater().activate(nonos.updater().stage(user2));
        assertThat(((BootResult.Booted) nonos.reset()).image()).isEqualTo(user2);

        Board idf = Board.provisioned(new IdfOtaData(FlashMap.ESP32_4M, true),
                ImageBuilder.esp32().appVersion("1.0.0").payload(1, 8000).build());
        byte[] v2 = ImageBuilder.esp32().appVersion("2.0.0").payload(2, 8000).build();
        idf.updater().activate(idf.updater().stage(v2));
        assertThat(((BootResult.Booted) idf.reset()).image()).isEqualTo(v2);

        Board arduino = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_4M),
                ImageBuilder.arduino().payload(1, 8000).build());
        byte[] sketch = ImageBuilder.arduino().payload(2, 9000).build();
        arduino.updater().activate(arduino.updater().stage(sketch));
        assertThat(((BootResult.Booted) arduino.reset()).image()).isEqualTo(sketch);
    }
}

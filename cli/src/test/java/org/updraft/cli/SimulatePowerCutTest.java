package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code updraft simulate powercut}: the per-profile table, exit 0 since NONOS and IDF never brick.
 * With the small images: the real-size default takes minutes (docs/power-cut.md).
 */
class SimulatePowerCutTest {

    @Test
    void printsTheTableAndExitsZero() {
        Run run = Run.of("simulate", "powercut", "--seed", "7",
                "--images", "small");

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("profile").contains("brick cut points")
                .containsPattern("(?m)^nonos/nonos-512k +update ")
                .containsPattern("(?m)^eboot-copy/arduino-4m +update ")
                .containsPattern("(?m)^idf-otadata\\+rollback/esp32-4m +revert ");
        assertThat(run.out()).contains("2nd-cut");
        assertThat(run.out()).containsPattern("(?m)^eboot-copy/arduino-1m +fs-in-place +272 +816 +1 +1 +814  BEFORE 2-272; TORN 1-272; AFTER 1-271$")
                .containsPattern("(?m)^eboot-copy/arduino-1m +fs-atomic +544 +1632 +817 +1 +814  BEFORE 274-544; TORN 273-544; AFTER 273-543$")
                .containsPattern("(?m)^idf-otadata/esp32-4m +fs-in-place +272 ");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void anUnknownImageSizeIsAUsageError() {
        Run run = Run.of("simulate", "powercut", "--images", "huge");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: --images must be real or small, got 'huge'\n");
    }
}

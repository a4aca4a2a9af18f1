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
        assertThat(run.err()).isEmpty();
    }

    @Test
    void anUnknownImageSizeIsAUsageError() {
        Run run = Run.of("simulate", "powercut", "--images", "huge");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: --images must be real or small, got 'huge'\n");
    }
}

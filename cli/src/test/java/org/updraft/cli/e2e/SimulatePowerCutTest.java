package org.updraft.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code updraft simulate powercut}: the per-profile table, exit 0 since NONOS and IDF never brick. */
class SimulatePowerCutTest {

    @Test
    void printsTheTableAndExitsZero() {
        PullUpdateEndToEndTest.Run run = PullUpdateEndToEndTest.Run.of("simulate", "powercut", "--seed", "7");

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith("profile").contains("brick cut points")
                .containsPattern("(?m)^nonos/nonos-512k +update ")
                .containsPattern("(?m)^eboot-copy/arduino-4m +update ")
                .containsPattern("(?m)^idf-otadata\\+rollback/esp32-4m +revert ");
        assertThat(run.err()).isEmpty();
    }
}

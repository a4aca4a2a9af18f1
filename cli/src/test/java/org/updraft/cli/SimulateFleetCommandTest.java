package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimulateFleetCommandTest {

    @Test
    void warnsWhenTheFleetMayNeedMoreOpenFilesThanTheProcessMayOpen() {
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, 4_096)).isEqualTo("warning: 10000 devices may need up to 30256 open"
                + " files, but this process may open 4096; raise it (ulimit -n 30256) or expect refused connections");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, 30_255)).startsWith("warning: 10000 devices");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, 30_256)).as("exactly enough").isNull();
        assertThat(SimulateFleetCommand.descriptorsShort(100, 1_024)).isNull();
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, -1)).as("limit unknown").isNull();
    }
}

package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimulateFleetCommandTest {

    @Test
    void warnsWhenTheFleetMayNeedMoreOpenFilesThanTheProcessMayOpen() {
        // Through the link: the device's socket and the link's two.
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, 4_096)).isEqualTo("warning: 10000 devices may need up to 30256 open"
                + " files, but this process may open 4096; raise it (ulimit -n 30256) or expect refused connections");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, 30_255)).startsWith("warning: 10000 devices");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, 30_256)).as("exactly enough").isNull();
        assertThat(SimulateFleetCommand.descriptorsShort(100, true, 1_024)).isNull();
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, -1)).as("limit unknown").isNull();
        // Straight to the server: one socket per device.
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, false, 10_255)).isEqualTo("warning: 10000 devices may need up to 10256"
                + " open files, but this process may open 10255; raise it (ulimit -n 10256) or expect refused connections");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, false, 10_256)).as("exactly enough").isNull();
    }
}

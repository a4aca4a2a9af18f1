package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimulateFleetCommandTest {

    @Test
    void warnsWhenTheFleetMayNeedMoreOpenFilesThanTheProcessMayOpen() {
        // Through the link: the device's socket and the link's two.
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, false, 4_096)).isEqualTo("warning: 10000 devices may need up to 30256 open"
                + " files, but this process may open 4096; raise it (ulimit -n 30256) or expect refused connections");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, false, 30_255)).startsWith("warning: 10000 devices");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, false, 30_256)).as("exactly enough").isNull();
        assertThat(SimulateFleetCommand.descriptorsShort(100, true, false, 1_024)).isNull();
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, false, -1)).as("limit unknown").isNull();
        // Straight to the server: one socket per device.
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, false, false, 10_255)).isEqualTo("warning: 10000 devices may need up to 10256"
                + " open files, but this process may open 10255; raise it (ulimit -n 10256) or expect refused connections");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, false, false, 10_256)).as("exactly enough").isNull();
        // Each device with its own broker connection for wake-ups: one more each.
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, false, true, 10_256)).isEqualTo("warning: 10000 devices may need up to 20256"
                + " open files, but this process may open 10256; raise it (ulimit -n 20256) or expect refused connections");
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, true, 40_256)).as("link and broker: four each").isNull();
        assertThat(SimulateFleetCommand.descriptorsShort(10_000, true, true, 40_255)).startsWith("warning: 10000 devices may need up to 40256");
    }
}

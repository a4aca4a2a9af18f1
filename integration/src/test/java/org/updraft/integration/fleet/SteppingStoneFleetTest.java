package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.ScaledServer;
import org.updraft.device.boot.BootResult;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.FleetDevice;
import org.updraft.device.fleet.FleetReport;
import org.updraft.device.fleet.FleetSimulator;
import org.updraft.device.fleet.Firmware;
import org.updraft.device.fleet.Scenario;
import org.updraft.server.UpdraftServer;

/**
 * Stepping stones in a mixed fleet (docs/rollouts.md, "Stepping stones for small flash"): 24
 * emulated {@code arduino-1m} boards (eboot copy, the stock ESP8266httpUpdate client reporting
 * {@code x-ESP8266-free-space} = FS_start − roundup4K(running sketch)); every third leaves the
 * factory with a 500,000-byte sketch that leaves 458,752 bytes free, too little for the
 * 520,000-byte release the rollout ships. The product's stepping stone takes those devices there
 * in two steps, while the others update directly; the rollout completes with the whole fleet on
 * the release and nothing bricked.
 */
class SteppingStoneFleetTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aMixedOneMegabyteFleetReachesTheReleaseWithTheTooFullDevicesGoingThroughTheStone() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(300);
        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, null)) {
            Scenario s = new Scenario(server.baseUri(), null, "mixed",
                    new Scenario.Fleet(24, DeviceProfile.ARDUINO_1M, Duration.ofSeconds(60), 0, 3, false, 1.0 / 3),
                    Scenario.Faults.none(),
                    new Scenario.Plan("canary,50,100", 0.9, 0.1, Duration.ofSeconds(60), 50, 5, Duration.ofSeconds(15),
                            Duration.ofSeconds(30), false),
                    clock, Duration.ofHours(3), 7).withToken(ScaledServer.token());

            FleetReport report;
            try (FleetSimulator.Run run = FleetSimulator.start(s)) {
                report = run.await();
                Firmware fw = run.firmware();
                for (FleetDevice d : run.devices()) {
                    assertThat(d.ranSteppingStone()).as(d.mac() + " went through the stone").isEqualTo(s.fleet().large(d.index()));
                    assertThat(((BootResult.Booted) d.board().state()).image()).as(d.mac())
                            .isEqualTo(fw.parts().get(fw.newVersion()).get("firmware"));
                }
                long large = run.devices().stream().filter(d -> s.fleet().large(d.index())).count();
                assertThat(large).isEqualTo(8);
                assertThat(run.devices().stream().filter(d -> d.index() < 3 && s.fleet().large(d.index())).count())
                        .as("a canary runs the large sketch too").isEqualTo(1);
            }

            assertThat(report.settled()).as(report.table()).isTrue();
            assertThat(report.state()).as(report.table()).isEqualTo("completed");
            assertThat(report.fleet().onNew()).as(report.table()).isEqualTo(24);
            assertThat(report.fleet().bricked()).isZero();
            assertThat(report.fleet().invalid()).isZero();
            assertThat(report.fleet().viaSteppingStone()).isEqualTo(8);
            assertThat(report.fleet().serverConfirmed()).as(report.table()).isEqualTo(24);
            assertThat(report.waves()).allSatisfy(w -> assertThat(w.failed()).as(w.wave()).isZero());
            assertThat(report.table()).contains("8 went through the stepping stone");
        }
    }

    @Test
    void aShareOfLargeSketchesIsAOneMegabyteFleetsAndSpreadEvenly() {
        assertThatThrownBy(() -> new Scenario.Fleet(10, DeviceProfile.ARDUINO_4M, Duration.ofSeconds(60), 0, 0, false, 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a share of large sketches needs the arduino-1m profile: only there does a large sketch leave too little "
                        + "free space for the next one (stepping stones), was arduino-4m");
        assertThatThrownBy(() -> new Scenario.Fleet(10, DeviceProfile.ARDUINO_1M, Duration.ofSeconds(60), 0, 0, false, 1.5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("largeShare must be within 0..1, was 1.5");
        Scenario.Fleet quarter = new Scenario.Fleet(8, DeviceProfile.ARDUINO_1M, Duration.ofSeconds(60), 0, 0, false, 0.25);
        StringBuilder pattern = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            pattern.append(quarter.large(i) ? 'L' : '.');
        }
        assertThat(pattern).hasToString("...L...L");
        Scenario.Fleet none = new Scenario.Fleet(8, DeviceProfile.ARDUINO_1M, Duration.ofSeconds(60), 0, 0);
        assertThat(none.largeShare()).isZero();
        assertThat(none.large(0)).isFalse();
    }
}

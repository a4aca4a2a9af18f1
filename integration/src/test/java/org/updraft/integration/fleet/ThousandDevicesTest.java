package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.ScaledServer;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.FleetDevice;
import org.updraft.device.fleet.FleetReport;
import org.updraft.device.fleet.FleetSimulator;
import org.updraft.device.fleet.Scenario;
import org.updraft.server.UpdraftServer;

/**
 * Issue 5: "1,000 emulated devices, 30 % of connections dropped mid-transfer: every device ends
 * confirmed on the new release, none bricked, attempts per device reported."
 */
class ThousandDevicesTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void aThousandDevicesAtThirtyPercentDropsAllEndConfirmedOnTheNewRelease() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(300);
        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, null)) {
            Scenario s = FleetScenarios.scenario(server.baseUri(), clock, "thousand", 1000, DeviceProfile.NONOS_512K, 0.3);

            FleetReport report;
            try (FleetSimulator.Run run = FleetSimulator.start(s)) {
                report = run.await();
                System.out.println(report.table());
                for (FleetDevice d : run.devices()) {
                    assertThat(d.bricked()).as(d.mac()).isNull();
                    assertThat(run.firmware().isValid(d.board().powerOn() instanceof org.updraft.device.boot.BootResult.Booted b
                            ? b.image() : new byte[0])).as(d.mac() + " boots a byte-exact release after a power cycle").isTrue();
                    assertThat(d.version()).as(d.mac()).isEqualTo("1.1.0");
                }
            }

            assertThat(report.settled()).as(report.table()).isTrue();
            assertThat(report.state()).isEqualTo("completed");
            assertThat(report.fleet().serverConfirmed()).as(report.table()).isEqualTo(1000);
            assertThat(report.waves().stream().mapToInt(FleetReport.WaveRow::confirmed).sum()).isEqualTo(1000);
            assertThat(report.fleet().onNew()).isEqualTo(1000);
            assertThat(report.fleet().bricked()).isZero();
            assertThat(report.fleet().invalid()).isZero();
            assertThat(report.network().drops()).isGreaterThan(200);
            assertThat(report.fleet().meanAttempts()).isGreaterThan(1.0);
            assertThat(report.fleet().maxAttempts()).isGreaterThan(1);
            assertThat(report.waves()).allSatisfy(w -> assertThat(w.maxAttempts()).as(w.wave()).isNotNull());
        }
    }
}

package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
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
 * A fleet run without link faults (no drops, no stalls, unlimited link speed) has nothing for the
 * faulty link to do: the devices connect to the server itself, and count their transfers
 * themselves.
 */
class DirectConnectionTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void withoutLinkFaultsTheDevicesConnectToTheServerAndCountTheirOwnTransfers() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(300);
        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, null)) {
            Scenario s = new Scenario(server.baseUri(), null, "direct",
                    new Scenario.Fleet(20, DeviceProfile.NONOS_512K, Duration.ofSeconds(60), 0, 0),
                    Scenario.Faults.none(),
                    new Scenario.Plan("100", 0.9, 0.1, Duration.ofSeconds(60), 50, 5, Duration.ofSeconds(15),
                            Duration.ofSeconds(30), false),
                    clock, Duration.ofHours(2), 3).withToken(ScaledServer.token());
            assertThat(s.faults().needLink()).isFalse();

            FleetReport report;
            int user2;
            try (FleetSimulator.Run run = FleetSimulator.start(s)) {
                assertThatThrownBy(run::link).isInstanceOf(IllegalStateException.class)
                        .hasMessage("this run has no link: without drops, stalls or a link speed the devices connect to the server directly");
                report = run.await();
                user2 = run.firmware().parts().get("1.1.0").get("user2").length;
                for (FleetDevice d : run.devices()) {
                    assertThat(d.transfers()).as(d.mac()).isEqualTo(1);
                    assertThat(d.imageBytes()).as(d.mac()).isEqualTo(user2);
                }
            }

            assertThat(report.settled()).as(report.table()).isTrue();
            assertThat(report.fleet().onNew()).isEqualTo(20);
            assertThat(report.fleet().serverConfirmed()).isEqualTo(20);
            // Every device started on user1, so each downloaded user2.bin of 1.1.0 once, whole.
            assertThat(report.network()).isEqualTo(new FleetReport.Network(20, 0, 0, 20L * user2));
            assertThat(report.fleet().meanAttempts()).isEqualTo(1.0);
            assertThat(report.waves()).allSatisfy(w -> assertThat(w.maxAttempts()).as(w.wave()).isEqualTo(1));
        }
    }

    @Test
    void onlyDropsStallsOrALinkSpeedNeedTheLink() {
        assertThat(new Scenario.Faults(0, 0, 0, 0.2, Duration.ofMinutes(30)).needLink()).as("offline spells are the devices' own").isFalse();
        assertThat(new Scenario.Faults(0.1, 0, 0, 0, Duration.ZERO).needLink()).isTrue();
        assertThat(new Scenario.Faults(0, 0.1, 0, 0, Duration.ZERO).needLink()).isTrue();
        assertThat(new Scenario.Faults(0, 0, 60_000, 0, Duration.ZERO).needLink()).isTrue();
    }
}

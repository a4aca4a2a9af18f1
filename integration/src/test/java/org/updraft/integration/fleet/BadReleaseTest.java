package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.cli.ScaledServer;
import org.updraft.device.boot.BootResult;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.FleetDevice;
import org.updraft.device.fleet.FleetReport;
import org.updraft.device.fleet.FleetSimulator;
import org.updraft.device.fleet.Scenario;
import org.updraft.server.UpdraftServer;

/**
 * Issue 5: "A release that crashes on boot: the rollout halts automatically after the canary wave
 * crosses the failure threshold; no device outside the canary ever downloads it; every canary is
 * back on the previous release (trial boot) and is reported as rolled_back."
 */
class BadReleaseTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = DeviceProfile.class, names = {"NONOS_512K", "ESP32_4M"})
    @Timeout(90)
    void aReleaseThatCrashesOnBootHaltsAtTheCanaryAndNoOtherDeviceEverDownloadsIt(DeviceProfile profile) throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(200);
        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, null)) {
            Scenario base = FleetScenarios.scenario(server.baseUri(), clock, "crashy", 200, profile, 0.2);
            // 5 canaries; 0.8: four rollbacks are not above it, the fifth is — so every canary has tried it.
            Scenario s = base.withPlan(new Scenario.Plan("canary,1,10,50,100", 0.9, 0.8, Duration.ofSeconds(60), 500, 30,
                    Duration.ofSeconds(15), Duration.ofSeconds(30), true));

            FleetReport report;
            try (FleetSimulator.Run run = FleetSimulator.start(s)) {
                report = run.await();
                System.out.println(report.table());
                assertThat(report.settled()).as(report.table()).isTrue();
                assertThat(report.state()).isEqualTo("halted");
                assertThat(report.reason()).startsWith("wave 1 (canary): 5 of 5 devices failed or rolled back (100.0% > 80.0%)");
                FleetReport.WaveRow canary = report.waves().get(0);
                assertThat(canary.rolledBack()).isEqualTo(5);
                assertThat(report.waves().subList(1, report.waves().size())).allSatisfy(w -> assertThat(w.offered()).isZero());

                byte[] oldImage = run.firmware().factory();
                for (FleetDevice d : run.devices()) {
                    JsonNode json = run.api().device(d.mac());
                    assertThat(d.bricked()).isNull();
                    if (d.tags().contains("canary")) {
                        assertThat(d.rollbacks()).as(d.mac()).isGreaterThanOrEqualTo(1);
                        assertThat(d.crashes()).as(d.mac()).isGreaterThanOrEqualTo(1);
                        assertThat(json.path("updates")).hasSize(1);
                        assertThat(json.path("updates").get(0).path("release").asText()).isEqualTo("1.1.0");
                        assertThat(json.path("updates").get(0).path("state").asText()).isEqualTo("rolled_back");
                    } else {
                        // The server never offered it: no update state, no check-in that sent 1.1.0.
                        assertThat(json.path("updates")).as(d.mac()).isEmpty();
                        json.path("timeline").forEach(e -> assertThat(e.path("outcome").asText() + " " + e.path("targetVersion").asText())
                                .as(d.mac()).isNotEqualTo("update 1.1.0"));
                        assertThat(run.link().transfers(d.mac())).as(d.mac()).isZero();
                    }
                    // Every device, canary or not, boots the previous release byte for byte — also after a power cycle.
                    assertThat(d.board().powerOn()).isInstanceOfSatisfying(BootResult.Booted.class,
                            b -> assertThat(b.image()).as(d.mac()).isEqualTo(oldImage));
                }
            }
            assertThat(report.fleet().onOld()).isEqualTo(200);
            assertThat(report.fleet().rollbacksReported()).isEqualTo(5);
        }
    }
}

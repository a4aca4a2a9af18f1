package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.ScaledServer;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.FleetDevice;
import org.updraft.device.fleet.FleetReport;
import org.updraft.device.fleet.FleetSimulator;
import org.updraft.device.fleet.RolloutStatus;
import org.updraft.device.fleet.Scenario;
import org.updraft.server.UpdraftServer;

/**
 * Issue 5: "Killing and restarting the server in the middle of a rollout loses no state and does
 * not re-offer to confirmed devices." The server is closed and started again on the same data
 * directory and port while 300 devices keep polling through the link.
 */
class ServerRestartTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(90)
    void aRestartMidRolloutKeepsRolloutAndDeviceStateAndNeverReoffersToConfirmedDevices() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(200);
        UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, null);
        int port = server.port();
        try {
            Scenario s = FleetScenarios.scenario(server.baseUri(), clock, "restartable", 300, DeviceProfile.NONOS_512K, 0.2);
            try (FleetSimulator.Run run = FleetSimulator.start(s)) {
                PauseResumeAbortTest.await(run, st -> st.currentWave() >= 3, "the 50% wave");

                server.close(); // devices now see refused connections; the rollout must not care
                RolloutStatus before = fromDatabaseOnly(run);
                Map<String, Integer> confirmedTransfers = new HashMap<>();
                server = ScaledServer.start("127.0.0.1", port, dir, clock, null);

                RolloutStatus after = run.status();
                assertThat(after.state()).isEqualTo("running");
                assertThat(after.currentWave()).isEqualTo(before.currentWave());
                for (int i = 0; i < after.progress().size(); i++) {
                    assertThat(after.progress().get(i).members()).isEqualTo(before.progress().get(i).members());
                    assertThat(after.progress().get(i).confirmed()).isGreaterThanOrEqualTo(before.progress().get(i).confirmed());
                }
                for (FleetDevice d : run.devices()) {
                    JsonNode updates = run.api().device(d.mac()).path("updates");
                    if (!updates.isEmpty() && updates.get(0).path("state").asText().equals("confirmed")) {
                        confirmedTransfers.put(d.mac(), run.link().transfers(d.mac()));
                    }
                }
                assertThat(confirmedTransfers).isNotEmpty();

                FleetReport report = run.await();
                System.out.println(report.table());
                assertThat(report.state()).isEqualTo("completed");
                assertThat(report.fleet().serverConfirmed()).isEqualTo(300);
                for (var e : confirmedTransfers.entrySet()) {
                    assertThat(run.link().transfers(e.getKey())).as(e.getKey() + " was confirmed before the restart").isEqualTo(e.getValue());
                    JsonNode u = run.api().device(e.getKey()).path("updates").get(0);
                    assertThat(u.path("state").asText()).isEqualTo("confirmed");
                    assertThat(u.path("attempts").asInt()).isEqualTo(e.getValue());
                }
            }
        } finally {
            server.close();
        }
    }

    /** The rollout as the server left it: read back by a fresh server before the devices can reach it. */
    private RolloutStatus fromDatabaseOnly(FleetSimulator.Run run) throws Exception {
        try (UpdraftServer probe = ScaledServer.start("127.0.0.1", 0, dir, FleetClock.scaled(1), null)) {
            return new org.updraft.device.fleet.ServerApi(probe.baseUri(), ScaledServer.token()).rollout(run.rolloutId());
        }
    }
}

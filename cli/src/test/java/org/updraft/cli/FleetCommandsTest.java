package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code updraft simulate fleet} and {@code updraft demo} as a user runs them (in-process server, real sockets). */
class FleetCommandsTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void simulateFleetPrintsTheReportPerWaveAndWritesItAsJson() throws Exception {
        Path json = dir.resolve("report.json");
        Run run = Run.of("simulate", "fleet", "--devices", "40", "--profile", "esp32-4m", "--poll", "60s", "--drop", "0.3",
                "--waves", "canary,50,100", "--canaries", "2", "--soak", "1m", "--backoff", "15s", "--health-window", "1m",
                "--max-attempts", "20", "--speed", "300", "--json", json.toString());

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("in-process server http://127.0.0.1:")
                .containsPattern("fleet: 40 × esp32-4m, product fleet-esp32-4m-[0-9a-f]{4}, release 1.1.0, rollout 1 completed")
                .containsPattern("(?m)^wave +members +offered +confirmed +failed +rolled back +attempts mean +max +time to complete$")
                .containsPattern("(?m)^canary +2 +2 +2 +0 +0 ")
                .containsPattern("(?m)^total +40 +40 +40 +0 +0 ")
                .contains("devices: 40 on the new release, 0 on the old one, 0 bricked, 0 on an unknown image; 40 confirmed by the server");
        JsonNode report = new ObjectMapper().readTree(Files.readString(json));
        assertThat(report.path("state").asText()).isEqualTo("completed");
        assertThat(report.path("waves")).hasSize(3);
        assertThat(report.path("waves").get(0).path("wave").asText()).isEqualTo("canary");
        assertThat(report.path("fleet").path("onNew").asInt()).isEqualTo(40);
        assertThat(report.path("network").path("transfers").asLong()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void simulateFleetRefusesABadReleaseOnAProfileThatCannotRevert() {
        Run run = Run.of("simulate", "fleet", "--profile", "arduino-4m", "--bad-release");
        assertThat(run.exit()).as("options that do not go together: a usage error").isEqualTo(2);
        assertThat(run.err()).startsWith("error: --bad-release needs a boot model that can revert: arduino-4m (eboot copy) has no trial boot");
    }

    @Test
    void simulateFleetRefusesMqttSharedWithoutABroker() {
        Run run = Run.of("simulate", "fleet", "--mqtt-shared");
        assertThat(run.exit()).as("options that do not go together: a usage error").isEqualTo(2);
        assertThat(run.err()).isEqualTo("error: --mqtt-shared needs --mqtt URL (the broker the devices listen on)\n"
                + "Try 'updraft simulate fleet --help' for more information.\n");
    }

    @Test
    @Timeout(60)
    void demoRunsAStagedRolloutOnFiftyDevicesAndPrintsTheAddressAndTheReport() throws Exception {
        // Port 8080 taken (by this test, or by whatever already holds it): the demo picks a free port by itself.
        java.net.ServerSocket taken = null;
        try {
            taken = new java.net.ServerSocket(8080, 1, java.net.InetAddress.getLoopbackAddress());
        } catch (java.io.IOException alreadyTaken) {
            // someone else's server on 8080: just as good
        }
        Run run;
        try {
            run = Run.of("demo", "--speed", "600");
        } finally {
            if (taken != null) {
                taken.close();
            }
        }

        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).containsPattern("Updraft demo server: http://127.0.0.1:\\d+ ")
                .doesNotContain("http://127.0.0.1:8080")
                .containsPattern("API: +http://127.0.0.1:\\d+/api/v1/rollouts")
                .containsPattern("fleet: 50 × nonos-512k, product demo-[0-9a-z]+, release 1.1.0, rollout 1 completed")
                .containsPattern("(?m)^total +50 +50 +50 +0 +0 ")
                .contains("50 on the new release")
                .endsWith("The demo's server stops now. To look around afterwards, run updraft demo --keep (it serves until Ctrl-C).\n");
    }
}

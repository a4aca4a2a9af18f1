package org.updraft.integration.fleet;

import java.net.URI;
import java.time.Duration;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.Scenario;

/** Scenarios the fleet tests share: fast enough for two busy cores, slow enough to be real. */
final class FleetScenarios {
    private FleetScenarios() {
    }

    static Scenario scenario(URI server, FleetClock clock, String product, int devices, DeviceProfile profile, double drop) {
        return new Scenario(server, null, product,
                new Scenario.Fleet(devices, profile, Duration.ofSeconds(60), 0, Math.min(5, devices)),
                new Scenario.Faults(drop, 0, Scenario.Faults.TYPICAL_ESP_LINK, 0, Duration.ZERO),
                new Scenario.Plan("canary,1,10,50,100", 0.9, 0.1, Duration.ofSeconds(60), 500, 30, Duration.ofSeconds(15),
                        Duration.ofSeconds(30), false),
                clock, Duration.ofHours(6), 42).withToken(org.updraft.cli.ScaledServer.token());
    }
}

package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.ScaledServer;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.FleetDevice;
import org.updraft.device.fleet.FleetSimulator;
import org.updraft.device.fleet.Scenario;
import org.updraft.server.UpdraftServer;

/**
 * Issue 5: "MQTT: a subscribed emulated device receives update-available and pulls within one
 * second instead of waiting for its poll interval." Real time (speed 1), an hour between polls,
 * the machine's Mosquitto on 127.0.0.1:1883; one device listens, one only polls.
 */
class MqttWakeUpTest {
    static final String BROKER = "tcp://127.0.0.1:1883";

    @TempDir
    Path dir;

    @Test
    @Timeout(60)
    void aSubscribedDevicePullsWithinOneSecondOfTheRolloutStartWhileAPollingOneWaitsForItsHour() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(1);
        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, BROKER)) {
            Scenario s = rollout(server, "listening", new Scenario.Fleet(2, DeviceProfile.ESP32_4M, Duration.ofHours(1), 0.5, 0), clock);
            Thread.sleep(500); // the server's notifier connects to the broker in the background
            try (FleetSimulator.Run run = FleetSimulator.start(s)) {
                FleetDevice listening = run.devices().get(0);
                FleetDevice polling = run.devices().get(1);
                long until = run.startNanos() + Duration.ofSeconds(5).toNanos();
                while (listening.firstWritingNanos() < 0 && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                assertThat(listening.notifications()).as("update-available messages received").isPositive();
                assertThat(listening.firstWritingNanos()).as("the listening device pulled").isPositive();
                assertThat(Duration.ofNanos(listening.firstWritingNanos() - run.startNanos()))
                        .as("from the rollout start to the first image byte").isLessThan(Duration.ofSeconds(1));

                // The image went in and the device rebooted into it; the server saw the download.
                long done = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (!"1.1.0".equals(listening.version()) && System.nanoTime() < done) {
                    Thread.sleep(5);
                }
                assertThat(run.api().device(listening.mac()).path("updates").get(0).path("release").asText()).isEqualTo("1.1.0");
                // The device that only polls still waits for its hour (its first poll falls somewhere in it).
                assertThat(polling.notifications()).isZero();
                assertThat(polling.firstWritingNanos() < 0 || polling.firstWritingNanos() - run.startNanos() > 1_000_000_000L)
                        .as("the polling device did not pull at once").isTrue();
                run.stop();
            }
        }
    }

    @Test
    @Timeout(60)
    void devicesSharingOneBrokerConnectionEachGetTheirOwnWakeUpAndPullAtOnce() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(1);
        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, BROKER)) {
            Scenario s = rollout(server, "sharing", new Scenario.Fleet(3, DeviceProfile.ESP32_4M, Duration.ofHours(1), 1, 0, true), clock);
            Thread.sleep(500); // the server's notifier connects to the broker in the background
            try (FleetSimulator.Run run = FleetSimulator.start(s)) {
                long until = run.startNanos() + Duration.ofSeconds(5).toNanos();
                while (run.devices().stream().anyMatch(d -> d.firstWritingNanos() < 0) && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                // They poll once an hour: a pull in these seconds is the wake-up's doing.
                for (FleetDevice d : run.devices()) {
                    assertThat(d.notifications()).as(d.mac() + ": its own message, and only its own").isEqualTo(1);
                    assertThat(d.firstWritingNanos()).as(d.mac() + " pulled").isPositive();
                }
                run.stop();
            }
        }
    }

    /** A one-wave rollout to the whole {@code fleet}, with the broker for wake-ups and no link faults. */
    private static Scenario rollout(UpdraftServer server, String product, Scenario.Fleet fleet, FleetClock clock) {
        return new Scenario(server.baseUri(), BROKER, product, fleet, Scenario.Faults.none(),
                new Scenario.Plan("100", 0.9, 0.5, Duration.ZERO, 10, 5, Duration.ofSeconds(60), Duration.ofHours(1), false),
                clock, Duration.ofHours(2), 7).withToken(ScaledServer.token());
    }
}

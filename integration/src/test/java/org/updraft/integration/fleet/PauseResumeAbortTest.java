package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
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
import org.updraft.device.fleet.RolloutStatus;
import org.updraft.device.fleet.Scenario;
import org.updraft.server.UpdraftServer;

/**
 * Issue 5: "Pause stops new offers while in-flight downloads finish; resume continues; abort
 * leaves every device on a valid release."
 */
class PauseResumeAbortTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(90)
    void pauseLetsTransfersFinishWithoutNewOffersResumeContinuesAbortLeavesEveryDeviceOnAValidRelease() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(100);
        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, null)) {
            Scenario base = FleetScenarios.scenario(server.baseUri(), clock, "pausable", 300, DeviceProfile.ESP32_4M, 0);
            // A slow link (2 KB/s: ~50 s of fleet time per image) keeps transfers in flight long enough to pause among them.
            Scenario s = base.withFaults(new Scenario.Faults(0, 0, 2_000, 0, Duration.ZERO))
                    .withPlan(new Scenario.Plan("20,100", 0.9, 0.5, Duration.ZERO, 500, 30, Duration.ofSeconds(15),
                            Duration.ofSeconds(30), false));
            try (FleetSimulator.Run run = FleetSimulator.start(s)) {
                awaitTransfers(run);

                run.api().rollout(run.rolloutId(), "pause");
                Thread.sleep(150); // check-ins decided before the pause have started their transfers by now
                RolloutStatus paused = run.status();
                int reached = paused.total(RolloutStatus.WaveProgress::reached);
                long transfers = run.link().transfers();
                assertThat(paused.state()).isEqualTo("paused");
                assertThat(run.link().inFlight()).as("transfers still running after the pause").isPositive();

                // Five polls later: every transfer in flight finished, nobody new was offered anything.
                Thread.sleep(clock.real(Duration.ofSeconds(300)).toMillis());
                RolloutStatus later = run.status();
                assertThat(run.link().inFlight()).as("in-flight transfers finished").isZero();
                assertThat(run.link().transfers()).as("no transfer began while paused").isEqualTo(transfers);
                assertThat(later.total(RolloutStatus.WaveProgress::reached)).as("no new offers while paused").isEqualTo(reached);
                assertThat(later.total(RolloutStatus.WaveProgress::downloading)).isZero();
                assertThat(later.total(w -> w.downloaded() + w.installed() + w.confirmed())).isEqualTo(reached);

                run.api().rollout(run.rolloutId(), "resume");
                await(run, st -> st.total(RolloutStatus.WaveProgress::reached) > reached, "offers after resume");

                awaitTransfers(run);
                run.api().rollout(run.rolloutId(), "abort");
                FleetReport report = run.await();
                System.out.println(report.table());
                assertThat(report.state()).isEqualTo("aborted");
                assertThat(report.settled()).isTrue();

                int onNew = 0;
                for (FleetDevice d : run.devices()) {
                    assertThat(d.bricked()).isNull();
                    BootResult booted = d.board().powerOn();
                    assertThat(booted).isInstanceOfSatisfying(BootResult.Booted.class,
                            b -> assertThat(run.firmware().isValid(b.image())).as(d.mac() + " boots a byte-exact release").isTrue());
                    onNew += "1.1.0".equals(d.version()) ? 1 : 0;
                }
                assertThat(onNew).isPositive().isLessThan(300);
                assertThat(report.fleet().onNew() + report.fleet().onOld()).isEqualTo(300);
            }
        }
    }

    static void awaitTransfers(FleetSimulator.Run run) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (run.link().inFlight() < 3) {
            if (System.nanoTime() > until) {
                throw new AssertionError("no transfers in flight within 30 s: " + run.status());
            }
            Thread.sleep(5);
        }
    }

    static void await(FleetSimulator.Run run, Predicate<RolloutStatus> condition, String what) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        RolloutStatus st = run.status();
        while (!condition.test(st)) {
            if (System.nanoTime() > until) {
                throw new AssertionError("no " + what + " within 30 s: " + st);
            }
            Thread.sleep(20);
            st = run.status();
        }
    }
}

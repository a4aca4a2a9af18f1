package org.updraft.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.updraft.server.TestDomain;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.rollout.Rollout;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateState;

/**
 * The update policy on real catalog, pins, rollouts and updates (embedded SQLite, no HTTP): the
 * decision for each situation, exactly, and that deciding writes nothing.
 */
class UpdatePolicyTest {

    private static final String MAC = "AA:BB:CC:00:00:01";

    @Test
    void aDeviceOnAnOlderVersionIsOfferedTheNewestReleaseWithItsImage() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            t.release(relay, "1.0.0");
            Release v2 = t.release(relay, "2.0.0");

            Decision d = t.policy.decide(t.checkIn("relay", MAC, "1.0.0", null), Optional.of(relay));

            assertThat(d.outcome()).isEqualTo(Outcome.UPDATE);
            assertThat(d.status()).isEqualTo(200);
            assertThat(d.reason()).isEqualTo("1.0.0 -> 2.0.0");
            assertThat(d.runningVersion()).isEqualTo("1.0.0");
            assertThat(d.target().id()).isEqualTo(v2.id());
            assertThat(d.artifact()).isEqualTo(v2.artifact(ArtifactRole.FIRMWARE).orElseThrow());
            assertThat(d.rolloutId()).isNull();
        }
    }

    @Test
    void theImageADeviceRunsIsRecognisedByItsMd5BeforeTheVersionItReports() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            Release v2 = t.release(relay, "2.0.0");
            String md5 = v2.artifact(ArtifactRole.FIRMWARE).orElseThrow().installedMd5();
            CheckIn in = t.checkIn("relay", MAC, "0.9-whatever", md5);

            assertThat(t.policy.runningVersion(in, relay)).isEqualTo("2.0.0");
            Decision d = t.policy.decide(in, Optional.of(relay));
            assertThat(d.outcome()).isEqualTo(Outcome.UP_TO_DATE);
            assertThat(d.status()).isEqualTo(304);
            assertThat(d.reason()).isEqualTo("runs 2.0.0");
            assertThat(d.runningVersion()).isEqualTo("2.0.0");
            assertThat(t.policy.runningVersion(t.checkIn("relay", MAC, "0.9-whatever", null), relay)).isEqualTo("0.9-whatever");
        }
    }

    @Test
    void aNewerRunningVersionIsNotDowngradedAndAnUnknownProductIsRefused() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            t.release(relay, "2.0.0");

            Decision newer = t.policy.decide(t.checkIn("relay", MAC, "3.0.0", null), Optional.of(relay));
            assertThat(newer.outcome()).isEqualTo(Outcome.RUNNING_NEWER);
            assertThat(newer.reason()).isEqualTo("runs 3.0.0, newer than 2.0.0 (not marked as a downgrade)");

            Decision unknown = t.policy.decide(t.checkIn("nope", MAC, "1.0.0", null), Optional.empty());
            assertThat(unknown.outcome()).isEqualTo(Outcome.UNKNOWN_PRODUCT);
            assertThat(unknown.status()).isEqualTo(404);
            assertThat(unknown.reason()).isEqualTo("no product at /u/nope");
            assertThat(unknown.product()).isNull();
        }
    }

    @Test
    void aDeviceOfAnotherChipFamilyIsRefusedBeforeAnyRolloutIsAsked() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            t.release(relay, "2.0.0");
            CheckIn esp32 = CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/relay", 0,
                    Map.of("x-ESP32-STA-MAC", MAC, "x-ESP32-version", "1.0.0")::get, q -> null, "10.0.0.1", TestDomain.T0);

            Decision d = t.policy.decide(esp32, Optional.of(relay));

            assertThat(d.outcome()).isEqualTo(Outcome.WRONG_CHIP);
            assertThat(d.status()).isEqualTo(409);
            assertThat(d.reason()).isEqualTo("an ESP32 device checked in at ESP8266 product 'relay'");
            assertThat(t.policy.consultsRollouts(esp32, relay)).isFalse();
            assertThat(t.policy.consultsRollouts(t.checkIn("relay", MAC, "1.0.0", null), relay)).isTrue();
        }
    }

    @Test
    void aPinnedReleaseWinsAndThenNoRolloutIsAsked() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            t.release(relay, "1.0.0");
            t.release(relay, "2.0.0");
            CheckIn in = t.checkIn("relay", MAC, "2.0.0", null);
            t.devices.claim(MAC, relay.id());
            t.devices.record(t.policy.decide(in, Optional.of(relay)));
            t.devices.flush();
            t.devices.pin(MAC, "1.0.0");

            Decision d = t.policy.decide(in, Optional.of(relay));

            assertThat(d.outcome()).isEqualTo(Outcome.UPDATE);
            assertThat(d.reason()).isEqualTo("2.0.0 -> 1.0.0 (pinned)");
            assertThat(t.policy.consultsRollouts(in, relay)).isFalse();
        }
    }

    @Test
    void decidingWritesNothingNeitherTheObservationNorTheRolloutMembership() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            Release v1 = t.release(relay, "1.0.0");
            t.release(relay, "2.0.0");
            Rollout r = t.rollouts.create(relay, new RolloutEngine.Spec("2.0.0", "100", null, null, null, null, null, null,
                    null, null));
            t.rollouts.start(r.id());
            // An update of 1.0.0 the device has downloaded: a check-in on 1.0.0 would install it.
            t.updates.downloading(MAC, v1.id(), null, false, TestDomain.T0);
            t.updates.transferEnded(MAC, v1.id(), true, null, TestDomain.T0);
            CheckIn in = t.checkIn("relay", MAC, "1.0.0", null);

            Decision first = t.policy.decide(in, Optional.of(relay));
            Decision second = t.policy.decide(in, Optional.of(relay));

            assertThat(first).isEqualTo(second);
            assertThat(first.outcome()).isEqualTo(Outcome.UPDATE);
            assertThat(first.reason()).isEqualTo("1.0.0 -> 2.0.0 (rollout " + r.id() + ")");
            assertThat(first.rolloutId()).isEqualTo(r.id());
            assertThat(t.updates.get(MAC, v1.id()).orElseThrow().state()).isEqualTo(UpdateState.DOWNLOADED);
            assertThat(t.rollouts.stats(t.rollouts.require(r.id())).get(0).members()).isZero();
        }
    }
}

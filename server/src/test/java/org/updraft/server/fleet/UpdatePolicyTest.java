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

    // ---- stepping stones for small flash (docs/rollouts.md, "Stepping stones for small flash") ----

    /** arduino-1m: FS_start 0xEB000, so a device running a sketch of n bytes has 0xEB000 - roundup4K(n) free. */
    private static final long SKETCH_AREA_1M = 0xEB000;

    private static Product oneMeg(TestDomain t) {
        return t.catalog.createProduct(new org.updraft.server.catalog.Catalog.ProductSpec("plug", "esp8266", "arduino",
                "arduino-1m", null, null, null));
    }

    private static Release release1m(TestDomain t, Product p, String version, int approxSize, boolean hold) {
        byte[] image = org.updraft.core.image.ImageBuilder.arduino().flashSizeCode(2).version(version)
                .payload(version.hashCode(), approxSize).build();
        return t.catalog.addRelease(p, version, null, false, hold, Map.of(ArtifactRole.FIRMWARE, image));
    }

    private static long size(Release r) {
        return r.artifact(ArtifactRole.FIRMWARE).orElseThrow().size();
    }

    private static long freeAbove(long sketch) {
        return SKETCH_AREA_1M - (sketch + 4095) / 4096 * 4096;
    }

    /** An ESP8266httpUpdate check-in reporting what it runs and the free space the core computes for it. */
    private static CheckIn smallFlash(TestDomain t, Release running, long freeSpace) {
        Map<String, String> h = new java.util.HashMap<>();
        h.put("x-esp8266-sta-mac", MAC);
        h.put("x-esp8266-version", running.version().toString());
        h.put("x-esp8266-mode", "sketch");
        h.put("x-esp8266-sketch-md5", running.artifact(ArtifactRole.FIRMWARE).orElseThrow().installedMd5());
        h.put("x-esp8266-free-space", String.valueOf(freeSpace));
        h.put("x-esp8266-sketch-size", String.valueOf((size(running) + 15) & -16));
        h.put("x-esp8266-chip-size", String.valueOf(0x100000));
        return CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/plug", 0, name -> h.get(name.toLowerCase()), q -> null, "10.0.0.1",
                t.clock.instant());
    }

    @Test
    void aTargetTooLargeForTheFreeSpaceIsReachedThroughTheSteppingStoneAndTheStoneIsOfferedOnlyOnce() {
        try (TestDomain t = new TestDomain()) {
            Product plug = oneMeg(t);
            Release v1 = release1m(t, plug, "1.0.0", 500_000, false);
            Release stone = release1m(t, plug, "1.1.0", 60_000, true);
            Release v2 = release1m(t, plug, "2.0.0", 520_000, false);
            t.catalog.setSteppingStone(plug, "1.1.0");
            long freeOnV1 = freeAbove(size(v1));
            assertThat(size(v2)).isGreaterThan(freeOnV1);

            Decision first = t.policy.decide(smallFlash(t, v1, freeOnV1), Optional.of(plug));
            assertThat(first.outcome()).isEqualTo(Outcome.STEPPING_STONE);
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.target().id()).isEqualTo(stone.id());
            assertThat(first.artifact()).isEqualTo(stone.artifact(ArtifactRole.FIRMWARE).orElseThrow());
            assertThat(first.rolloutId()).isNull();
            assertThat(first.reason()).isEqualTo("1.0.0 -> 1.1.0 (stepping stone: 2.0.0 is " + size(v2)
                    + " bytes, device has " + freeOnV1 + " bytes free)");

            Decision second = t.policy.decide(smallFlash(t, stone, freeAbove(size(stone))), Optional.of(plug));
            assertThat(second.outcome()).isEqualTo(Outcome.UPDATE);
            assertThat(second.target().id()).isEqualTo(v2.id());
            assertThat(second.reason()).isEqualTo("1.1.0 -> 2.0.0");

            Decision done = t.policy.decide(smallFlash(t, v2, freeAbove(size(v2))), Optional.of(plug));
            assertThat(done.outcome()).isEqualTo(Outcome.UP_TO_DATE);

            // From the stone, a target that still does not fit is refused: the stone is not offered again.
            Decision stuck = t.policy.decide(smallFlash(t, stone, 100_000), Optional.of(plug));
            assertThat(stuck.outcome()).isEqualTo(Outcome.INSUFFICIENT_SPACE);
            assertThat(stuck.reason()).isEqualTo("image is " + size(v2) + " bytes; device has 100000 bytes free on the stepping stone");
        }
    }

    @Test
    void withoutASteppingStoneOrWhenTheStoneDoesNotFitEitherTheDeviceGetsInsufficientSpace() {
        try (TestDomain t = new TestDomain()) {
            Product plug = oneMeg(t);
            Release v1 = release1m(t, plug, "1.0.0", 500_000, false);
            release1m(t, plug, "1.1.0", 60_000, true);
            Release v2 = release1m(t, plug, "2.0.0", 520_000, false);
            long freeOnV1 = freeAbove(size(v1));

            Decision none = t.policy.decide(smallFlash(t, v1, freeOnV1), Optional.of(plug));
            assertThat(none.outcome()).isEqualTo(Outcome.INSUFFICIENT_SPACE);
            assertThat(none.reason()).isEqualTo("image is " + size(v2) + " bytes; device has " + freeOnV1 + " bytes free");

            t.catalog.setSteppingStone(plug, "1.1.0");
            Decision tooSmall = t.policy.decide(smallFlash(t, v1, 50_000), Optional.of(plug));
            assertThat(tooSmall.outcome()).isEqualTo(Outcome.INSUFFICIENT_SPACE);
            assertThat(tooSmall.reason()).isEqualTo("image is " + size(v2) + " bytes; device has 50000 bytes free");
        }
    }

    @Test
    void aPinAndTheVersionRuleWinOverTheSteppingStoneAndTheStoneIsNeverTheBaseline() {
        try (TestDomain t = new TestDomain()) {
            Product plug = oneMeg(t);
            Release v1 = release1m(t, plug, "1.0.0", 500_000, false);
            Release v2 = release1m(t, plug, "2.0.0", 520_000, false);
            // Uploaded last and newest, but designated: devices on 2.0.0 are not offered it as a baseline.
            Release stone = release1m(t, plug, "2.0.1", 60_000, false);
            t.catalog.setSteppingStone(plug, "2.0.1");
            assertThat(t.policy.decide(smallFlash(t, v2, freeAbove(size(v2))), Optional.of(plug)).outcome())
                    .isEqualTo(Outcome.UP_TO_DATE);
            assertThat(t.policy.decide(smallFlash(t, v1, freeAbove(size(v1))), Optional.of(plug)).outcome())
                    .isEqualTo(Outcome.STEPPING_STONE);
            // On the stone, whose version is above the target's, the device still goes on to the target.
            Decision onStone = t.policy.decide(smallFlash(t, stone, freeAbove(size(stone))), Optional.of(plug));
            assertThat(onStone.outcome()).isEqualTo(Outcome.UPDATE);
            assertThat(onStone.target().id()).isEqualTo(v2.id());

            // A pinned target that does not fit is refused, not detoured.
            t.devices.claim(MAC, plug.id());
            t.devices.record(t.policy.decide(smallFlash(t, v1, freeAbove(size(v1))), Optional.of(plug)));
            t.devices.flush();
            t.devices.pin(MAC, "2.0.0");
            Decision pinned = t.policy.decide(smallFlash(t, v1, freeAbove(size(v1))), Optional.of(plug));
            assertThat(pinned.outcome()).isEqualTo(Outcome.INSUFFICIENT_SPACE);
        }
    }

    @Test
    void aSteppingStoneOlderThanTheRunningVersionIsOfferedOnlyWhenMarkedAsADowngrade() {
        try (TestDomain t = new TestDomain()) {
            Product plug = oneMeg(t);
            release1m(t, plug, "0.9.0", 60_000, true);
            Release v1 = release1m(t, plug, "1.0.0", 500_000, false);
            release1m(t, plug, "2.0.0", 520_000, false);
            t.catalog.setSteppingStone(plug, "0.9.0");

            Decision d = t.policy.decide(smallFlash(t, v1, freeAbove(size(v1))), Optional.of(plug));
            assertThat(d.outcome()).isEqualTo(Outcome.INSUFFICIENT_SPACE);

            byte[] image = org.updraft.core.image.ImageBuilder.arduino().flashSizeCode(2).version("0.9.1")
                    .payload(91, 60_000).build();
            Release marked = t.catalog.addRelease(plug, "0.9.1", null, true, true, Map.of(ArtifactRole.FIRMWARE, image));
            t.catalog.setSteppingStone(plug, "0.9.1");
            Decision ok = t.policy.decide(smallFlash(t, v1, freeAbove(size(v1))), Optional.of(plug));
            assertThat(ok.outcome()).isEqualTo(Outcome.STEPPING_STONE);
            assertThat(ok.target().id()).isEqualTo(marked.id());
        }
    }

    @Test
    void aDesignationThatCouldNotWorkIsRefusedWithItsReasonAndNothingIsStored() {
        try (TestDomain t = new TestDomain()) {
            Product plug = oneMeg(t);
            release1m(t, plug, "1.0.0", 500_000, false);
            release1m(t, plug, "1.1.0", 60_000, true);
            release1m(t, plug, "2.0.0", 930_000, false);

            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> t.catalog.setSteppingStone(plug, "9.9.9")))
                    .hasMessage("product 'plug' has no release 9.9.9; upload the small release first (updraft release upload --hold)");
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> t.catalog.setSteppingStone(plug, "2.0.0")))
                    .hasMessageStartingWith("release 2.0.0 is ").hasMessageEndingWith(" bytes) it would step to: a stepping stone must be smaller");
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> t.catalog.setSteppingStone(plug, "1.1.0")))
                    .hasMessageStartingWith("release 2.0.0 (")
                    .hasMessageEndingWith(" bytes free on layout arduino-1m; build a smaller stepping stone");
            assertThat(t.catalog.steppingStone(plug)).isEmpty();

            Product relay = t.product("relay");
            t.release(relay, "1.0.0");
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> t.catalog.setSteppingStone(relay, "1.0.0")))
                    .hasMessage("product 'relay' has no other release for 1.0.0 to step to; upload the large release first");
        }
    }

    /**
     * A gzip-compressed image (core >= 2.7 eboot inflates it while copying) counts with the bytes
     * served: ESP8266httpUpdate compares Content-Length, the compressed size, with
     * ESP.getFreeSketchSpace(), and Updater stages those compressed bytes.
     */
    @Test
    void aGzipImageIsComparedWithTheFreeSpaceByItsCompressedSize() {
        try (TestDomain t = new TestDomain()) {
            Product plug = oneMeg(t);
            Release v1 = release1m(t, plug, "1.0.0", 500_000, false);
            byte[] raw = org.updraft.core.image.ImageBuilder.arduino().flashSizeCode(2).version("2.0.0").payload(7, 200_000).build();
            byte[] gz = org.updraft.core.image.ImageBuilder.gzip(raw);
            Release v2 = t.catalog.addRelease(plug, "2.0.0", null, false, false, Map.of(ArtifactRole.FIRMWARE, gz));
            assertThat(size(v2)).isEqualTo(gz.length);

            Decision fits = t.policy.decide(smallFlash(t, v1, gz.length), Optional.of(plug));
            assertThat(fits.outcome()).isEqualTo(Outcome.UPDATE);
            Decision oneShort = t.policy.decide(smallFlash(t, v1, gz.length - 1), Optional.of(plug));
            assertThat(oneShort.outcome()).isEqualTo(Outcome.INSUFFICIENT_SPACE);
            assertThat(oneShort.reason()).isEqualTo("image is " + gz.length + " bytes; device has " + (gz.length - 1) + " bytes free");
        }
    }

    /** A stone above which the target would still not fit is not offered: the device keeps its sketch rather than end on the stone. */
    @Test
    void aSteppingStoneThatWouldLeaveTooLittleSpaceForTheTargetIsNotOffered() {
        try (TestDomain t = new TestDomain()) {
            Product plug = oneMeg(t);
            Release v1 = release1m(t, plug, "1.0.0", 500_000, false);
            release1m(t, plug, "1.1.0", 60_000, true);
            release1m(t, plug, "2.0.0", 520_000, false);
            t.catalog.setSteppingStone(plug, "1.1.0");
            // Uploaded after the designation: larger than the space above the stone.
            Release v3 = release1m(t, plug, "3.0.0", 900_000, false);

            Decision d = t.policy.decide(smallFlash(t, v1, freeAbove(size(v1))), Optional.of(plug));
            assertThat(d.outcome()).isEqualTo(Outcome.INSUFFICIENT_SPACE);
            assertThat(d.target().id()).isEqualTo(v3.id());
        }
    }
}

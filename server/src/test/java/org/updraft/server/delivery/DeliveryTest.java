package org.updraft.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.updraft.server.TestDomain;
import org.updraft.server.catalog.Artifact;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Enrollment;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.config.Limits;
import org.updraft.server.fleet.CheckIn;
import org.updraft.server.fleet.Decision;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.rollout.Rollout;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateState;

/**
 * The owner of the device flow on real objects (embedded SQLite, no HTTP): a check-in is gated,
 * observed, decided and recorded; a download is kept in the books of the update, the rollout and
 * the rate limit's continuation rule until it ends.
 */
class DeliveryTest {

    private static final String MAC = "AA:BB:CC:00:00:01";
    private static final String OTHER = "AA:BB:CC:00:00:02";
    private static final Limits.Rate RATE = new Limits.Rate(6, 3);

    /** A rate limit that lets everything through and counts what it was asked. */
    private final AtomicInteger taken = new AtomicInteger();
    private final Delivery.DeviceRate counting = mac -> {
        taken.incrementAndGet();
        return OptionalLong.empty();
    };

    private static Delivery delivery(TestDomain t) {
        return new Delivery(t.catalog, t.policy, t.devices, t.store, t.updates, t.rollouts, t.admission, t.storage, RATE, t.clock);
    }

    private Delivery.Visit visit(CheckIn in, Product product, Delivery.DeviceRate rate) {
        return new Delivery.Visit(in, Optional.of(product), null, rate, a -> Optional.empty());
    }

    @Test
    void aCheckInIsDecidedRecordedAndItsDownloadAndTheNextCheckInAdvanceTheUpdate() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            t.release(relay, "1.0.0");
            Release v2 = t.release(relay, "2.0.0");
            Delivery delivery = delivery(t);

            Delivery.Decided decided = delivery.checkIn(visit(t.checkIn("relay", MAC, "1.0.0", null), relay, counting));

            Decision d = decided.decision();
            assertThat(d.outcome()).isEqualTo(Outcome.UPDATE);
            assertThat(d.reason()).isEqualTo("1.0.0 -> 2.0.0");
            assertThat(decided.continued()).isFalse();
            assertThat(decided.retryAfterSeconds()).isZero();
            assertThat(taken).hasValue(1);
            t.devices.flush();
            assertThat(t.devices.find(MAC).orElseThrow().lastOutcome()).isEqualTo("update");
            assertThat(t.devices.owner(MAC)).isEqualTo(relay.id());

            Artifact a = d.artifact();
            Delivery.Download download = delivery.sending(d, false, 0, a.size() - 1);
            assertThat(t.updates.get(MAC, v2.id()).orElseThrow().state()).isEqualTo(UpdateState.DOWNLOADING);
            download.ended(true, null);
            assertThat(t.updates.get(MAC, v2.id()).orElseThrow().state()).isEqualTo(UpdateState.DOWNLOADED);

            Decision next = delivery.checkIn(visit(t.checkIn("relay", MAC, "2.0.0", null), relay, counting)).decision();
            assertThat(next.outcome()).isEqualTo(Outcome.UP_TO_DATE);
            assertThat(next.reason()).isEqualTo("reports version 2.0.0");
            assertThat(t.updates.get(MAC, v2.id()).orElseThrow().state()).as("observed before the decision")
                    .isEqualTo(UpdateState.INSTALLED);
        }
    }

    @Test
    void aBrokenTransferIsAFailedDownloadAndARangeThatStopsShortIsNoAttemptOfTheUpdate() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            Release v1 = t.release(relay, "1.0.0");
            Delivery delivery = delivery(t);
            Decision d = delivery.checkIn(visit(t.checkIn("relay", MAC, "0.1.0", null), relay, counting)).decision();
            assertThat(d.outcome()).isEqualTo(Outcome.UPDATE);

            delivery.sending(d, false, 0, 1023).ended(true, null);
            assertThat(t.updates.get(MAC, v1.id())).as("bytes 0-1023 of a larger image").isEmpty();

            delivery.sending(d, false, 0, d.artifact().size() - 1).ended(false, "the connection closed");
            var u = t.updates.get(MAC, v1.id()).orElseThrow();
            assertThat(u.state()).as("a failed attempt, offered again after the backoff").isEqualTo(UpdateState.OFFERED);
            assertThat(u.attempts()).isEqualTo(1);
            assertThat(u.lastError()).isEqualTo("download broke: the connection closed");
        }
    }

    @Test
    void aDeviceOverItsLimitIsRefused429WithItsRetryAfterAndNothingIsClaimed() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            t.release(relay, "1.0.0");

            Delivery.Decided decided = delivery(t).checkIn(visit(t.checkIn("relay", MAC, "0.1.0", null), relay,
                    mac -> OptionalLong.of(7)));

            assertThat(decided.decision().outcome()).isEqualTo(Outcome.RATE_LIMITED);
            assertThat(decided.decision().status()).isEqualTo(429);
            assertThat(decided.decision().reason())
                    .isEqualTo("device " + MAC + " checks in too often; retry after 7 s (limit device-rate 6/min, burst 3)");
            assertThat(decided.retryAfterSeconds()).isEqualTo(7);
            assertThat(t.devices.owner(MAC)).isNull();
        }
    }

    @Test
    void aDeviceTheEnrollmentRefusesSpendsNoTokenOfItsLimitAndIsNotRegistered() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.catalog.setPolicies(t.product("relay"), null, Enrollment.ALLOWLIST);
            t.release(relay, "1.0.0");

            Decision d = delivery(t).checkIn(visit(t.checkIn("relay", MAC, "0.1.0", null), relay, counting)).decision();

            assertThat(d.outcome()).isEqualTo(Outcome.NOT_ENROLLED);
            assertThat(d.reason()).isEqualTo("device " + MAC + " is not on the allowlist of product 'relay'");
            assertThat(taken).hasValue(0);
            assertThat(t.devices.owner(MAC)).isNull();
        }
    }

    @Test
    void aRangeThatContinuesTheDevicesDownloadIsNotCountedAgainstItsLimit() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            Release v1 = t.release(relay, "1.0.0");
            Delivery delivery = delivery(t);
            Decision first = delivery.checkIn(visit(t.checkIn("relay", MAC, "0.1.0", null), relay, counting)).decision();
            long size = first.artifact().size();
            delivery.sending(first, false, 0, 4095).ended(true, null);
            assertThat(taken).hasValue(1);

            CheckIn resumed = t.checkIn("relay", MAC, "0.1.0", null, "bytes=4096-");
            Delivery.Decided next = delivery.checkIn(new Delivery.Visit(resumed, Optional.of(relay), null, counting,
                    a -> Optional.of(new Delivery.Span(4096, a.size() - 1))));

            assertThat(next.decision().outcome()).isEqualTo(Outcome.UPDATE);
            assertThat(next.continued()).isTrue();
            assertThat(taken).as("the continuation took no token").hasValue(1);
            delivery.sending(next.decision(), true, 4096, size - 1).ended(true, null);
            assertThat(t.updates.get(MAC, v1.id()).orElseThrow().state()).isEqualTo(UpdateState.DOWNLOADED);
        }
    }

    @Test
    void aRolloutCountsItsDownloadInFlightUntilTheTransferEnds() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            t.release(relay, "1.0.0");
            t.release(relay, "2.0.0");
            Rollout r = t.rollouts.create(relay, new RolloutEngine.Spec("2.0.0", "100", null, null, null, null, null, 1,
                    null, null));
            t.rollouts.start(r.id());
            Delivery delivery = delivery(t);

            Decision a = delivery.checkIn(visit(t.checkIn("relay", MAC, "1.0.0", null), relay, counting)).decision();
            assertThat(a.reason()).isEqualTo("1.0.0 -> 2.0.0 (rollout " + r.id() + ")");
            Delivery.Download download = delivery.sending(a, false, 0, a.artifact().size() - 1);

            Decision b = delivery.checkIn(visit(t.checkIn("relay", OTHER, "1.0.0", null), relay, counting)).decision();
            assertThat(b.outcome()).as("one download at a time").isEqualTo(Outcome.UP_TO_DATE);
            assertThat(b.reason()).isEqualTo("reports version 1.0.0");
            assertThat(t.rollouts.stats(t.rollouts.require(r.id())).get(0).members()).as("both check-ins fixed their membership")
                    .isEqualTo(2);

            download.ended(true, null);
            Decision again = delivery.checkIn(visit(t.checkIn("relay", OTHER, "1.0.0", null), relay, counting)).decision();
            assertThat(again.reason()).isEqualTo("1.0.0 -> 2.0.0 (rollout " + r.id() + ")");
            assertThat(again.rolloutId()).isEqualTo(r.id());
        }
    }

    @Test
    void anImageWhoseFileIsDamagedIsRefusedAsCorrupt() throws Exception {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            Release v1 = t.release(relay, "1.0.0");
            String sha = v1.artifact(ArtifactRole.FIRMWARE).orElseThrow().sha256();

            Decision d = Delivery.corrupt(delivery(t).checkIn(visit(t.checkIn("relay", MAC, "0.1.0", null), relay, counting))
                    .decision());

            assertThat(d.outcome()).isEqualTo(Outcome.CORRUPT_ARTIFACT);
            assertThat(d.status()).isEqualTo(500);
            assertThat(d.artifact()).isNull();
            assertThat(d.reason()).isEqualTo("the stored image " + sha + " of release 1.0.0 failed its integrity check and is "
                    + "not sent; an operator must upload the release's image again");
        }
    }
}

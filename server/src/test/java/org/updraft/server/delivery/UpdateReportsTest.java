package org.updraft.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.updraft.server.TestDomain;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.config.Limits;
import org.updraft.server.fleet.Decision;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.problem.Rejection;
import org.updraft.server.rollout.UpdateState;

/** What firmware reports about its update, on real objects: admitted like a check-in, "ok" confirms only what ran. */
class UpdateReportsTest {

    private static final String MAC = "AA:BB:CC:00:00:01";

    @Test
    void okConfirmsOnlyAnUpdateTheServerHasSeenRunning() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            Release v1 = t.release(relay, "1.0.0");
            Delivery delivery = new Delivery(t.catalog, t.policy, t.devices, t.store, t.updates, t.rollouts, t.admission,
                    t.storage, new Limits.Rate(6, 3), t.clock);
            UpdateReports reports = new UpdateReports(t.catalog, t.devices, t.updates, t.admission);
            Decision d = delivery.checkIn(new Delivery.Visit(t.checkIn("relay", MAC, "0.1.0", null), Optional.of(relay), null,
                    mac -> OptionalLong.empty(), a -> Optional.empty())).decision();
            delivery.sending(d, false, 0, d.artifact().size() - 1).ended(true, null);

            UpdateReports.Reported early = reports.record(relay, new UpdateReports.Report(MAC, "ok", null, null), null, TestDomain.T0);
            assertThat(early).isInstanceOfSatisfying(UpdateReports.Reported.Recorded.class, r -> {
                assertThat(r.update().state()).isEqualTo(UpdateState.DOWNLOADED);
                assertThat(r.unconfirmed()).isEqualTo("1.0.0");
            });

            t.updates.observe(MAC, "1.0.0", relay.healthWindow(), TestDomain.T0);
            UpdateReports.Reported ok = reports.record(relay, new UpdateReports.Report(MAC, "ok", "1.0.0", null), null, TestDomain.T0);
            assertThat(ok).isInstanceOfSatisfying(UpdateReports.Reported.Recorded.class, r -> {
                assertThat(r.update().state()).isEqualTo(UpdateState.CONFIRMED);
                assertThat(r.update().releaseId()).isEqualTo(v1.id());
                assertThat(r.unconfirmed()).isNull();
            });
        }
    }

    @Test
    void aReportOfAnUnknownOrAnotherProductsDeviceChangesNothing() {
        try (TestDomain t = new TestDomain()) {
            Product relay = t.product("relay");
            Product lamp = t.product("lamp");
            t.release(relay, "1.0.0");
            UpdateReports reports = new UpdateReports(t.catalog, t.devices, t.updates, t.admission);

            assertThatThrownBy(() -> reports.record(relay, new UpdateReports.Report(MAC, "ok", null, null), null, TestDomain.T0))
                    .isInstanceOfSatisfying(Rejection.class, e -> assertThat(e.status()).isEqualTo(404))
                    .hasMessage("device " + MAC + " has never checked in at product 'relay': a report is about an update the "
                            + "server offered it");

            t.devices.claim(MAC, lamp.id());
            assertThat(reports.record(relay, new UpdateReports.Report(MAC, "error", null, "boom"), null, TestDomain.T0))
                    .isEqualTo(new UpdateReports.Reported.Refused(Outcome.NOT_ENROLLED, "device " + MAC
                            + " is registered to another product; it reports at the URL of its own product"));
            assertThat(t.updates.ofDevice(MAC)).isEmpty();
        }
    }
}

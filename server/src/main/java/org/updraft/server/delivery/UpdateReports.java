package org.updraft.server.delivery;

import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.core.version.Version;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.fleet.Admission;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.problem.Rejection;
import org.updraft.server.rollout.DeviceUpdate;
import org.updraft.server.rollout.UpdateState;
import org.updraft.server.rollout.UpdateTracker;

/**
 * The other half of the device flow beside {@link Delivery}: what firmware reports about an
 * update it was offered ({@code POST /u/{product}/report}), for firmware that wants to say more
 * than its check-ins do — "ok" confirms, "rolled_back" says a trial boot reverted, "error" counts
 * a failed attempt. The HTTP side parses the body; this admits the report and records it on the
 * update ({@link UpdateTracker#report}).
 */
public final class UpdateReports {

    /** The check-in log, where reports are logged too. */
    private static final Logger LOG = LoggerFactory.getLogger("org.updraft.checkin");

    private final Catalog catalog;
    private final DeviceRegistry devices;
    private final UpdateTracker updates;
    private final Admission admission;

    public UpdateReports(Catalog catalog, DeviceRegistry devices, UpdateTracker updates, Admission admission) {
        this.catalog = catalog;
        this.devices = devices;
        this.updates = updates;
        this.admission = admission;
    }

    /**
     * What firmware says about an update ({@code POST /u/{product}/report}), parsed: a normalised
     * MAC, "ok", "error" or "rolled_back", the release's version (null: the device's latest update
     * of the product) and the detail (already bounded and free of control characters and tags).
     */
    public record Report(String mac, String status, String version, String detail) {
    }

    /** What became of a report: refused (nothing changed), or recorded on the update. */
    public sealed interface Reported {
        /** Refused as a check-in of the device at this product would be; nothing changed. */
        record Refused(Outcome outcome, String reason) implements Reported {
        }

        /**
         * Recorded: the update as it is now. {@code unconfirmed} names the release of an "ok" that
         * was recorded but does not confirm it (the server has not seen the device run it), else null.
         */
        record Recorded(DeviceUpdate update, String unconfirmed) implements Reported {
        }
    }

    /**
     * Applies a report to the named release, else to the device's latest update, of this product.
     *
     * <p>A report is a write to the device's record, so it is admitted exactly as a check-in of
     * that device at that product would be (docs/device-identity.md): the URL's enrollment (token
     * or allowlist), and the device must belong to the URL's product — an unknown device or
     * another product's device is refused and nothing changes. "ok" confirms only an update the
     * server has seen running (a check-in whose image hash or version is the release: state
     * installed); before that it is recorded, not confirmed ({@link Reported.Recorded#unconfirmed}),
     * so a device that merely downloaded cannot complete a rollout and make its release the baseline.
     *
     * @throws Rejection 404 for a device, release or update the report cannot be about; 400 for a bad version or status
     */
    public Reported record(Product product, Report r, String token, Instant at) {
        String mac = r.mac();
        Optional<Admission.Refusal> refused = admission.check(product, mac, token);
        if (refused.isPresent()) {
            return refusedReport(product, mac, refused.get().outcome(), refused.get().reason());
        }
        Long owner = devices.owner(mac);
        if (owner == null) {
            throw Rejection.notFound("device " + mac + " has never checked in at product '" + product.name()
                    + "': a report is about an update the server offered it");
        }
        if (owner != product.id()) {
            return refusedReport(product, mac, Outcome.NOT_ENROLLED, "device " + mac + " is registered to another product; "
                    + "it reports at the URL of its own product");
        }
        Long releaseId;
        if (r.version() != null) {
            try {
                releaseId = catalog.release(product, Version.parse(r.version())).map(Release::id)
                        .orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' has no release " + Rejection.echo(r.version())));
            } catch (IllegalArgumentException e) {
                throw Rejection.badRequest("version '" + Rejection.echo(r.version()) + "' is not valid: " + e.getMessage());
            }
        } else {
            releaseId = updates.ofDevice(mac).stream()
                    .filter(u -> catalog.release(u.releaseId()).filter(x -> x.productId() == product.id()).isPresent())
                    .findFirst().map(u -> u.releaseId())
                    .orElseThrow(() -> Rejection.notFound("device " + mac + " has no update to report on"));
        }
        DeviceUpdate u;
        try {
            u = updates.report(mac, releaseId, r.status(), r.detail(), at)
                    .orElseThrow(() -> Rejection.notFound("device " + mac + " was never offered that release"));
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
        if (r.status().equals("ok") && u.state() != UpdateState.CONFIRMED) {
            String release = catalog.release(releaseId).map(x -> x.version().toString()).orElse("?");
            LOG.info("report {} {}: ok for {} recorded, not confirmed (state {})", mac, product.name(), release, u.state().id());
            return new Reported.Recorded(u, release);
        }
        LOG.info("report {} {}: {} -> {}", mac, product.name(), r.status(), u.state().id());
        return new Reported.Recorded(u, null);
    }

    private static Reported refusedReport(Product product, String mac, Outcome outcome, String reason) {
        LOG.info("report {} {} -> {} {} ({})", mac, product.name(), outcome.status(), outcome.id(), reason);
        return new Reported.Refused(outcome, reason);
    }
}

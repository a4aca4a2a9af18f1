package org.updraft.server.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.problem.Rejection;
import org.updraft.server.rollout.Rollout;
import org.updraft.server.rollout.RolloutEngine;

/**
 * Ending things: archiving a release or a product, deleting a device record, letting a held release
 * go without a rollout. Each is refused (409) while something still depends on it, and the refusal
 * names every such thing and how to end it, so one answer says all that is in the way
 * (docs/lifecycle.md). Products and releases are archived rather than deleted: see
 * {@link Catalog#archive(Release)}.
 *
 * <p>The checks and the change are not one transaction: a device that starts running a release or
 * checks in at a product between the check and the change is not seen. For a release that device
 * keeps running what it runs (an archived release is only no longer offered); a product archived
 * under a checking-in device answers it 404 like any unknown product.
 */
public final class Lifecycle {

    private final Catalog catalog;
    private final DeviceRegistry devices;
    private final Admission admission;
    private final RolloutEngine rollouts;

    public Lifecycle(Catalog catalog, DeviceRegistry devices, Admission admission, RolloutEngine rollouts) {
        this.catalog = catalog;
        this.devices = devices;
        this.admission = admission;
        this.rollouts = rollouts;
    }

    /**
     * Archives the release unless devices run it, devices are pinned to it, an unfinished rollout
     * uses it or it is the product's stepping stone.
     */
    public void archive(Product product, Release release) {
        List<String> inUse = new ArrayList<>();
        String version = release.version().toString();
        long running = devices.runningVersions(product.id()).getOrDefault(version, 0L);
        if (running > 0) {
            inUse.add(count(running, "device runs", "devices run") + " it (updraft device list --product " + product.name()
                    + " --version " + version + ")");
        }
        List<String> pinned = devices.pinnedTo(release.id());
        if (!pinned.isEmpty()) {
            inUse.add(count(pinned.size(), "device is", "devices are") + " pinned to it: " + few(pinned) + " (updraft device unpin MAC)");
        }
        for (Rollout r : unfinished(product, release)) {
            inUse.add("rollout " + r.id() + " (" + r.state().id() + ") uses it (updraft rollout abort " + r.id() + ")");
        }
        if (catalog.isSteppingStone(product, release)) {
            inUse.add("it is the product's stepping stone (updraft product stepping-stone " + product.name() + " --clear)");
        }
        if (!inUse.isEmpty()) {
            throw Rejection.conflict("release " + product.name() + " " + version + " cannot be archived: " + String.join("; ", inUse));
        }
        catalog.archive(release);
    }

    /** Archives the product unless it has releases, device records or live device tokens. */
    public void archive(Product product) {
        List<String> inUse = new ArrayList<>();
        List<Release> releases = catalog.releases(product);
        if (!releases.isEmpty()) {
            inUse.add("it has " + count(releases.size(), "release", "releases") + ": "
                    + few(releases.stream().map(r -> r.version().toString()).toList()) + " (updraft release archive "
                    + product.name() + " VERSION)");
        }
        long registered = devices.runningVersions(product.id()).values().stream().mapToLong(Long::longValue).sum();
        if (registered > 0) {
            inUse.add(count(registered, "device is", "devices are") + " registered to it (updraft device list --product "
                    + product.name() + "; updraft device delete MAC, or device move MAC PRODUCT)");
        }
        List<String> tokens = admission.liveTokens(product);
        if (!tokens.isEmpty()) {
            inUse.add(count(tokens.size(), "device token is", "device tokens are") + " issued for it: " + few(tokens)
                    + " (updraft device token revoke MAC)");
        }
        if (!inUse.isEmpty()) {
            throw Rejection.conflict("product '" + product.name() + "' cannot be archived: " + String.join("; ", inUse));
        }
        catalog.archive(product);
    }

    /**
     * Lets a held release reach devices without a rollout, unless a rollout of it is under way or
     * stopped: a halted or aborted rollout keeps its release from the fleet ({@link RolloutEngine#holds}),
     * and lifting that is a new rollout's decision, not this one's.
     */
    public Release unhold(Product product, Release release) {
        for (Rollout r : rollouts.list(product)) {
            if (r.releaseId() != release.id() || r.state() == org.updraft.server.rollout.RolloutState.COMPLETED) {
                continue;
            }
            String name = "release " + product.name() + " " + release.version();
            throw Rejection.conflict(r.state().isFinished()
                    ? name + " was stopped by rollout " + r.id() + " (" + r.state().id() + "), which keeps it from the fleet; "
                            + "roll it out again to reach more devices (updraft rollout create " + product.name() + " "
                            + release.version() + ")"
                    : name + " is in rollout " + r.id() + " (" + r.state().id() + "): let the rollout finish, or abort it first "
                            + "(updraft rollout abort " + r.id() + ")");
        }
        return catalog.unhold(release);
    }

    /**
     * Deletes a device's record unless a live token claims the device (the token would keep
     * admitting it under a record that no longer exists).
     */
    public Device delete(String mac) {
        admission.token(mac).filter(t -> t.revokedAt() == null).ifPresent(t -> {
            throw Rejection.conflict("device " + mac + " has a token for product '" + t.product()
                    + "'; revoke it first (updraft device token revoke " + mac + ")");
        });
        return devices.delete(mac);
    }

    /**
     * A one-step fleet rollback: a rollout, marked as a downgrade, of the release before the newest
     * one devices run (or of {@code spec.version()}, which must be older), to the devices running a
     * newer version than it. The spec's waves, thresholds, policy and target tags apply as to any
     * rollout; {@code fromVersions} is the rollback's to set. Refused when no device runs a release
     * of the product, when there is no older release, and when the target's security counter is
     * below that of the release it replaces (no device that ran it would accept the target).
     */
    public Rollout rollback(Product product, RolloutEngine.Spec spec, boolean start) {
        if (spec.fromVersions() != null) {
            throw Rejection.badRequest("fromVersions is the rollback's to set (devices running a newer version than the "
                    + "release rolled back to); leave it out");
        }
        Map<String, Long> running = devices.runningVersions(product.id());
        Release from = catalog.releases(product).stream().filter(r -> running.getOrDefault(r.version().toString(), 0L) > 0)
                .findFirst().orElseThrow(() -> Rejection.conflict("no device runs a release of product '" + product.name()
                        + "': there is nothing to roll back"));
        Release to;
        if (spec.version() == null || spec.version().isBlank()) {
            to = catalog.releases(product).stream().filter(r -> r.version().compareTo(from.version()) < 0).findFirst()
                    .orElseThrow(() -> Rejection.conflict("product '" + product.name() + "' has no release older than "
                            + from.version() + ", the newest release devices run: there is nothing to roll back to"));
        } else {
            to = catalog.releases(product).stream().filter(r -> r.version().toString().equals(spec.version().strip())).findFirst()
                    .orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' has no release " + spec.version()));
            if (to.version().compareTo(from.version()) >= 0) {
                throw Rejection.conflict("release " + to.version() + " is not older than " + from.version()
                        + ", the newest release devices run: a rollback goes to an older release (use updraft rollout create)");
            }
        }
        if (to.securityCounter() < from.securityCounter()) {
            throw Rejection.conflict("release " + to.version() + " has security counter " + to.securityCounter() + ", below "
                    + from.securityCounter() + " of release " + from.version() + ": no device that ran " + from.version()
                    + " accepts it (anti-rollback); upload a fixed version with a counter of at least " + from.securityCounter());
        }
        RolloutEngine.Spec back = new RolloutEngine.Spec(to.version().toString(), spec.waves(), spec.targetTags(),
                ">" + to.version(), spec.successThreshold(), spec.failureThreshold(), spec.soakSeconds(), spec.maxConcurrent(),
                spec.maxAttempts(), spec.backoffSeconds());
        return rollouts.createDowngrade(product, back, start);
    }

    private List<Rollout> unfinished(Product product, Release release) {
        return rollouts.list(product).stream().filter(r -> r.releaseId() == release.id() && !r.state().isFinished()).toList();
    }

    private static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** Up to five names, then how many more. */
    private static String few(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }
}

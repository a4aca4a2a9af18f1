package org.updraft.server.fleet;

import org.updraft.server.problem.Rejection;
import java.util.Optional;
import org.updraft.core.version.Version;
import org.updraft.server.catalog.Artifact;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.ProductKind;
import org.updraft.server.catalog.Release;
import java.util.List;
import org.updraft.server.rollout.Rollout;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateState;
import org.updraft.server.rollout.UpdateTracker;

/**
 * Turns a check-in into a {@link Decision}, from memory only (no database read on this path), and
 * writes nothing: the same inputs and the same state of catalog, pins, rollouts and updates give
 * the same decision. What a check-in changes (its observation of the running version, a rollout
 * membership fixed at first sight, the device row) is recorded by the owner of the check-in
 * ({@code delivery.Delivery}) before and after it asks this policy.
 *
 * <p>What the device runs is recognised, most reliable first, by the image hash it reports
 * (ESP32 sketch-sha256, ESP8266 sketch-md5 — matched against the MD5 each artifact has once
 * installed), then by the version it reports ({@link #runningVersion}). The owner reports that
 * observation to the device's open updates ({@link UpdateTracker}: installed, confirmed, failed
 * attempt, rolled back) before it asks for the decision, which reads them.
 *
 * <p>Target, first match wins: the release pinned to the device; the release of a running
 * rollout whose current wave includes the device ({@link RolloutEngine#peek}); else the
 * baseline — the newest release of the product that no rollout holds. An image is offered only
 * when the device does not already run the target, the target is not older than what it runs
 * (unless pinned or marked as a downgrade), and it fits the device: same chip family, flash chip
 * at least the product's, image no larger than the reported free space — or, when only the free
 * space is short, the product's stepping stone first ({@link Outcome#STEPPING_STONE}).
 *
 * <p>Anti-rollback, two rules. Versions: a target older than what the device runs is
 * offered only when it is pinned to the device (an explicit per-device choice) or its release is
 * marked as a downgrade. Security counters: a target whose manifest counter is below the highest
 * counter of any release the device runs, has installed or has confirmed is never offered — not
 * when pinned, not when marked as a downgrade ({@link Outcome#BELOW_SECURITY_COUNTER}).
 */
public final class UpdatePolicy {

    private final Catalog catalog;
    private final Pins pins;
    private final RolloutEngine rollouts;
    private final UpdateTracker updates;
    private final SentFilesystems filesystems;

    /** A policy whose record of file system images sent is in memory only (tests, benchmarks). */
    public UpdatePolicy(Catalog catalog, Pins pins, RolloutEngine rollouts, UpdateTracker updates) {
        this(catalog, pins, rollouts, updates, new SentFilesystems(null));
    }

    public UpdatePolicy(Catalog catalog, Pins pins, RolloutEngine rollouts, UpdateTracker updates, SentFilesystems filesystems) {
        this.catalog = catalog;
        this.pins = pins;
        this.rollouts = rollouts;
        this.updates = updates;
        this.filesystems = filesystems;
    }

    /** Which file system image each device was sent and confirmed (read here, written by the owner of the check-in). */
    public SentFilesystems filesystems() {
        return filesystems;
    }

    /**
     * The product's baseline, what a device gets when no pin or rollout applies: its newest release
     * that no rollout holds and no fleet rollback rolled back. A rollback (a rollout marked as a
     * downgrade, once started) rolls back every release above its own that was uploaded before it:
     * otherwise the devices it moved back would be offered the newer release again. A release
     * uploaded after the rollback can be the baseline again (docs/lifecycle.md).
     */
    public static Optional<Release> baseline(Catalog catalog, RolloutEngine rollouts, Product product) {
        List<Rollout> rollbacks = rollouts.rollbacks(product);
        // A designated stepping stone is a detour only, never the baseline itself.
        return catalog.releases(product).stream().filter(r -> !rollouts.holds(r) && !rolledBack(catalog, rollbacks, r)
                && !catalog.isSteppingStone(product, r)).findFirst();
    }

    private static boolean rolledBack(Catalog catalog, List<Rollout> rollbacks, Release release) {
        for (Rollout back : rollbacks) {
            Optional<Release> to = catalog.release(back.releaseId());
            if (to.isPresent() && release.version().compareTo(to.get().version()) > 0 && !release.createdAt().isAfter(back.createdAt())) {
                return true;
            }
        }
        return false;
    }

    /** The decision for this check-in at this product (empty: the path named no product). Writes nothing. */
    public Decision decide(CheckIn in, Optional<Product> maybeProduct) {
        if (maybeProduct.isEmpty()) {
            return new Decision(in, null, Outcome.UNKNOWN_PRODUCT, in.version(), null, null,
                    "no product at " + Rejection.echo(in.productPath()), null);
        }
        Product product = maybeProduct.get();
        Optional<Release> running = runningRelease(in, product);
        String runningVersion = running.map(r -> r.version().toString()).orElse(in.version());
        Optional<Decision> unfit = unfit(in, product, runningVersion);
        if (unfit.isPresent()) {
            return unfit.get();
        }
        Long pinned = in.mac() == null ? null : pins.pinnedRelease(in.mac());
        Optional<Release> target = Optional.empty();
        Long rolloutId = null;
        boolean viaDowngrade = false;
        if (pinned != null) {
            target = catalog.release(pinned).filter(r -> r.productId() == product.id());
        }
        if (target.isEmpty() && pinned == null && in.mac() != null) {
            Optional<RolloutEngine.Offer> offer = rollouts.peek(product, in.mac(), runningVersion, in.at(), in.resumeFrom() > 0);
            if (offer.isPresent()) {
                target = Optional.of(offer.get().release());
                rolloutId = offer.get().rollout().id();
                viaDowngrade = offer.get().rollout().downgrade();
            }
        }
        if (target.isEmpty()) {
            target = baseline(catalog, rollouts, product);
        }
        if (target.isEmpty()) {
            return refuse(in, product, Outcome.NO_RELEASE, runningVersion, null,
                    "product '" + product.name() + "' has no release for this device yet");
        }
        Release t = target.get();
        boolean isPinned = pinned != null && pinned == t.id();
        String via = isPinned ? " (pinned)" : rolloutId != null ? " (rollout " + rolloutId + ")" : "";

        Optional<Release> floor = in.mac() == null ? running.or(() -> reportedRelease(in, product))
                : highestRun(in.mac(), product, running.or(() -> reportedRelease(in, product)));
        if (floor.isPresent() && t.securityCounter() < floor.get().securityCounter()) {
            return refuse(in, product, Outcome.BELOW_SECURITY_COUNTER, runningVersion, t,
                    "release " + t.version() + " has security counter " + t.securityCounter() + ", below "
                            + floor.get().securityCounter() + " of release " + floor.get().version()
                            + " which this device has run" + via);
        }
        if (in.endpoint() == Endpoint.VERSION) {
            return new Decision(in, product, Outcome.VERSION, runningVersion, t, null, "assigned " + t.version() + via, rolloutId);
        }
        if (isFilesystemRequest(in)) {
            boolean runsNewer = !isPinned && !t.downgrade() && !viaDowngrade && runningVersion != null
                    && newer(runningVersion, t.version());
            return filesystem(in, product, runningVersion, t, rolloutId, via, runsNewer);
        }
        if (running.isPresent() && running.get().id() == t.id()) {
            return refuse(in, product, Outcome.UP_TO_DATE, runningVersion, t, "runs " + t.version());
        }
        if (running.isEmpty() && in.version() != null && sameVersion(in.version(), t.version())) {
            return refuse(in, product, Outcome.UP_TO_DATE, runningVersion, t, "reports version " + in.version());
        }
        // A fleet rollback's rollout is marked as a downgrade: its members get the older release.
        // A device on the stepping stone goes on to its target whatever the stone's version says:
        // the stone is a detour, not a version the device should keep (no loop back, no dead end).
        boolean onStone = running.isPresent() && running.get().id() != t.id() && catalog.isSteppingStone(product, running.get());
        if (!isPinned && !onStone && !t.downgrade() && !viaDowngrade && runningVersion != null && newer(runningVersion, t.version())) {
            return refuse(in, product, Outcome.RUNNING_NEWER, runningVersion, t,
                    "runs " + runningVersion + ", newer than " + t.version() + " (not marked as a downgrade)");
        }
        ArtifactRole role = switch (in.endpoint()) {
            case NONOS_USER_BIN -> in.nonosSlot() == 1 ? ArtifactRole.USER1 : ArtifactRole.USER2;
            default -> product.kind() == ProductKind.NONOS ? null : ArtifactRole.FIRMWARE;
        };
        if (role == null) {
            return refuse(in, product, Outcome.BAD_REQUEST, runningVersion, t,
                    "product '" + product.name() + "' is NONOS: fetch /u/" + product.name() + "/user1.bin or user2.bin");
        }
        Artifact a = t.artifact(role).orElse(null);
        if (a == null) {
            return refuse(in, product, Outcome.BAD_REQUEST, runningVersion, t,
                    "release " + t.version() + " has no " + role.id() + " image");
        }
        if (in.chipSize() != null && in.chipSize() < product.flashSize()) {
            return refuse(in, product, Outcome.CHIP_TOO_SMALL, runningVersion, t,
                    "device flash is " + in.chipSize() + " bytes; product '" + product.name() + "' images need "
                            + product.flashSize());
        }
        if (in.freeSpace() != null && a.size() > in.freeSpace()) {
            Optional<Decision> stone = isPinned ? Optional.empty()
                    : steppingStone(in, product, role, running, runningVersion, floor, t, a);
            if (stone.isPresent()) {
                return stone.get();
            }
            return refuse(in, product, Outcome.INSUFFICIENT_SPACE, runningVersion, t,
                    "image is " + a.size() + " bytes; device has " + in.freeSpace() + " bytes free"
                            + (running.isPresent() && catalog.isSteppingStone(product, running.get()) ? " on the stepping stone" : ""));
        }
        return new Decision(in, product, Outcome.UPDATE, runningVersion, t, a,
                (runningVersion == null ? "unknown image" : runningVersion) + " -> " + t.version() + via, rolloutId);
    }

    /**
     * The stepping stone instead of a target that does not fit (docs/rollouts.md, "Stepping stones
     * for small flash"): only for a sketch of an unpinned device whose free space is known, when the
     * product has a stepping stone other than the target and the device does not run it already
     * (so it is offered at most once on the way: from the stone the device gets the target or the
     * plain insufficient-space refusal). Anti-rollback holds for the stone as for any target: its
     * security counter not below the device's floor, its version not older than the running one
     * unless the release is marked as a downgrade. Empty when the stone is not to be offered.
     */
    private Optional<Decision> steppingStone(CheckIn in, Product product, ArtifactRole role, Optional<Release> running,
                                             String runningVersion, Optional<Release> floor, Release target, Artifact big) {
        if (role != ArtifactRole.FIRMWARE) {
            return Optional.empty();
        }
        Optional<Release> maybe = catalog.steppingStone(product);
        if (maybe.isEmpty() || maybe.get().id() == target.id()) {
            return Optional.empty();
        }
        Release s = maybe.get();
        if (running.isPresent() && running.get().id() == s.id()) {
            return Optional.empty();
        }
        if (running.isEmpty() && in.version() != null && sameVersion(in.version(), s.version())) {
            return Optional.empty();
        }
        Artifact small = s.artifact(role).orElse(null);
        if (small == null || small.size() > in.freeSpace()) {
            return Optional.empty();
        }
        if (floor.isPresent() && s.securityCounter() < floor.get().securityCounter()) {
            return Optional.empty();
        }
        if (!s.downgrade() && runningVersion != null && newer(runningVersion, s.version())) {
            return Optional.empty();
        }
        // No dead end: when the device reports its sketch size, the target must fit the space the
        // stone will leave. The core's free space is FS_start - roundup4K(sketch size)
        // (EspClass::getFreeSketchSpace), so FS_start = free space + roundup4K(sketch size).
        if (in.sketchSize() != null && big.size() > in.freeSpace() + roundUp4K(in.sketchSize()) - roundUp4K(small.size())) {
            return Optional.empty();
        }
        return Optional.of(new Decision(in, product, Outcome.STEPPING_STONE, runningVersion, s, small,
                (runningVersion == null ? "unknown image" : runningVersion) + " -> " + s.version() + " (stepping stone: "
                        + target.version() + " is " + big.size() + " bytes, device has " + in.freeSpace() + " bytes free)",
                null));
    }

    /**
     * A file system request (docs/device-contract.md, "Filesystem requests"): the file system image
     * of the target release — the release a sketch request would be offered, or the one the device
     * runs when it is up to date — unless the device confirmed having it ({@link SentFilesystems}).
     * The stock sketch asks {@code updateFS} before {@code update}, so the file system of a new
     * release goes first and the sketch follows in the same session. A device running a newer
     * version than the target gets no older file system (as for the sketch); the free sketch space
     * does not apply (the image fills the file system region, which the client checks itself).
     */
    private Decision filesystem(CheckIn in, Product product, String runningVersion, Release t, Long rolloutId, String via,
                                boolean runsNewer) {
        if (runsNewer) {
            return refuse(in, product, Outcome.RUNNING_NEWER, runningVersion, t,
                    "runs " + runningVersion + ", newer than " + t.version() + " (not marked as a downgrade): no older file system");
        }
        Artifact fs = t.artifact(ArtifactRole.FILESYSTEM).orElse(null);
        if (fs == null) {
            return refuse(in, product, Outcome.NO_FILESYSTEM, runningVersion, t,
                    "release " + t.version() + " carries no filesystem image" + via);
        }
        if (in.chipSize() != null && in.chipSize() < product.flashSize()) {
            return refuse(in, product, Outcome.CHIP_TOO_SMALL, runningVersion, t,
                    "device flash is " + in.chipSize() + " bytes; product '" + product.name() + "' needs " + product.flashSize());
        }
        if (in.mac() != null && filesystems.confirmed(in.mac(), fs.sha256())) {
            return refuse(in, product, Outcome.FILESYSTEM_CURRENT, runningVersion, t,
                    "has the filesystem of release " + t.version() + via);
        }
        String again = in.mac() != null && filesystems.pending(in.mac(), fs.sha256()) ? " (sent before, not yet confirmed)" : "";
        return new Decision(in, product, Outcome.FILESYSTEM, runningVersion, t, fs,
                "filesystem of release " + t.version() + via + again, rolloutId);
    }

    /** {@code x-ESP8266-mode: spiffs} / {@code x-ESP32-mode: spiffs}: ESPhttpUpdate.updateFS, httpUpdate.updateSpiffs. */
    public static boolean isFilesystemRequest(CheckIn in) {
        return in.mode() != null && in.mode().equalsIgnoreCase("spiffs");
    }

    private static long roundUp4K(long n) {
        return (n + 4095) / 4096 * 4096;
    }

    /**
     * What the device runs, as far as Updraft can tell: the version of the release whose image it
     * reports running, else the version it reports; null when neither is known.
     */
    public String runningVersion(CheckIn in, Product product) {
        return runningRelease(in, product).map(r -> r.version().toString()).orElse(in.version());
    }

    /**
     * Whether {@link #decide} asks the product's rollouts for this check-in: a device with a MAC,
     * of the product's chip family, asking for a sketch, with no release pinned to it. For such a
     * check-in the owner fixes the device's wave membership ({@link RolloutEngine#offer}) before
     * it asks for the decision, which only looks ({@link RolloutEngine#peek}).
     */
    public boolean consultsRollouts(CheckIn in, Product product) {
        return in.mac() != null && unfit(in, product, null).isEmpty() && pins.pinnedRelease(in.mac()) == null;
    }

    /** A refusal when the device cannot take any image of the product: another chip family, or not a sketch. */
    private static Optional<Decision> unfit(CheckIn in, Product product, String runningVersion) {
        String productFamily = product.chip().startsWith("esp32") ? "esp32" : "esp8266";
        if (in.family() != null && !in.family().equals(productFamily)) {
            return Optional.of(refuse(in, product, Outcome.WRONG_CHIP, runningVersion, null,
                    "an " + in.family().toUpperCase() + " device checked in at " + product.chip().toUpperCase() + " product '"
                            + product.name() + "'"));
        }
        boolean fs = isFilesystemRequest(in);
        if (in.mode() != null && !in.mode().equalsIgnoreCase("sketch") && !fs) {
            return Optional.of(refuse(in, product, Outcome.MODE_NOT_SERVED, runningVersion, null,
                    "mode '" + in.mode() + "' asked for; Updraft serves sketch and spiffs (file system) images"));
        }
        if (fs && product.kind() == ProductKind.NONOS) {
            return Optional.of(refuse(in, product, Outcome.MODE_NOT_SERVED, runningVersion, null,
                    "a filesystem asked for at NONOS product '" + product.name() + "', whose layout has no file system"));
        }
        return Optional.empty();
    }

    /**
     * Anti-rollback floor: of the release the device runs now and every release it has installed
     * or confirmed ({@link UpdateTracker}), the one with the highest security counter.
     */
    private Optional<Release> highestRun(String mac, Product product, Optional<Release> runningNow) {
        Optional<Release> best = runningNow;
        for (var u : updates.ofDevice(mac)) {
            if (u.state() != UpdateState.INSTALLED && u.state() != UpdateState.CONFIRMED) {
                continue;
            }
            Optional<Release> r = catalog.release(u.releaseId()).filter(x -> x.productId() == product.id());
            if (r.isPresent() && (best.isEmpty() || r.get().securityCounter() > best.get().securityCounter())) {
                best = r;
            }
        }
        return best;
    }

    /** The release whose version the device reports (x-*-version or ?version=), if the product has it. */
    private Optional<Release> reportedRelease(CheckIn in, Product product) {
        return Version.tryParse(in.version()).flatMap(v -> catalog.release(product, v));
    }

    private Optional<Release> runningRelease(CheckIn in, Product product) {
        if (in.sketchSha256() != null) {
            Optional<Release> r = catalog.releaseBySha256(product, in.sketchSha256());
            if (r.isPresent()) {
                return r;
            }
        }
        if (in.sketchMd5() != null) {
            return catalog.releaseByInstalledMd5(product, in.sketchMd5());
        }
        return Optional.empty();
    }

    private static boolean sameVersion(String reported, Version target) {
        return Version.tryParse(reported).filter(v -> v.compareTo(target) == 0).isPresent();
    }

    private static boolean newer(String reported, Version target) {
        return Version.tryParse(reported).filter(v -> v.compareTo(target) > 0).isPresent();
    }

    private static Decision refuse(CheckIn in, Product product, Outcome outcome, String running, Release target, String reason) {
        return new Decision(in, product, outcome, running, target, null, reason, null);
    }
}

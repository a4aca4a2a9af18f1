package org.updraft.server.delivery;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.catalog.Artifact;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Enrollment;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.config.Limits;
import org.updraft.server.fleet.Admission;
import org.updraft.server.fleet.CheckIn;
import org.updraft.server.fleet.Decision;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.fleet.SentFilesystems;
import org.updraft.server.fleet.UpdatePolicy;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateTracker;
import org.updraft.server.store.StorageHealth;

/**
 * The owner of the device flow: a parsed {@link CheckIn} in, its {@link Decision} out, and the
 * bookkeeping of both the check-in and the download that may follow. The HTTP side only turns a
 * request into a {@link Visit} and the answer into bytes; the {@link UpdatePolicy} only decides.
 *
 * <p>One check-in, in this order ({@link #checkIn}):
 * <ol>
 *   <li>gate: the product's enrollment ({@link Admission}: allowlist or the device's own token),
 *       the per-device rate limit, whether the server can store what the check-in writes
 *       ({@link StorageHealth}), and the device's product ({@link #belongsTo}). Admission comes
 *       first so that only an admitted device spends its own bucket; the limit comes before
 *       anything the check-in changes, so a device flooding the server claims or moves nothing;</li>
 *   <li>observe: what the device runs advances its open updates ({@link UpdateTracker#observe}),
 *       and, when the policy will ask the rollouts, the device's wave membership is fixed
 *       ({@link RolloutEngine#offer});</li>
 *   <li>decide: {@link UpdatePolicy#decide}, which writes nothing, then the image's integrity
 *       ({@link #intact});</li>
 *   <li>record: the decision on the device row and timeline ({@link DeviceRegistry#record}), logged.</li>
 * </ol>
 * A range that continues the device's download ({@link DownloadAttempts}) is exempt from the
 * rate limit: which image it continues is known only from a {@link UpdatePolicy#decide} before
 * step 2 (nothing is written for a request that may still end 429).
 *
 * <p>Then, for an image sent, {@link #sending} starts one {@link Download}: the attempt it begins
 * (DownloadAttempts), and for a transfer that ends with the image's last byte the update's
 * download ({@link UpdateTracker#downloading}) and the rollout's in-flight count
 * ({@link RolloutEngine#downloadStarted}), both closed by {@link Download#ended}.
 *
 * <p>Thread-safe: every collaborator is; a check-in holds no lock of its own.
 */
public final class Delivery {

    /** The check-in log: one line per decision (off by default, {@code UPDRAFT_CHECKIN_LOG=INFO}). */
    private static final Logger LOG = LoggerFactory.getLogger("org.updraft.checkin");

    /** The per-device rate limit as the request's transport applies it (a loopback client may be exempt). */
    @FunctionalInterface
    public interface DeviceRate {
        /** Empty when the device may check in now (a token was taken); else the whole seconds to wait (Retry-After). */
        OptionalLong take(String mac);
    }

    /** Bytes {@code first..last} (inclusive) of an image. */
    public record Span(long first, long last) {
    }

    /**
     * One check-in as the HTTP side hands it over.
     *
     * @param product the product at the request's path, empty when it names none
     * @param token   the device token the request presented, or null
     * @param rate    the device's rate limit for this request
     * @param part    the part of an image the request asks for when it is answered with a part (206), else
     *                empty (the whole image, or a range it cannot satisfy)
     */
    public record Visit(CheckIn checkIn, Optional<Product> product, String token, DeviceRate rate,
                        Function<Artifact, Optional<Span>> part) {
    }

    /**
     * The decision, whether its range continues the device's download (exempt from the limit and
     * recorded already), and for {@link Outcome#RATE_LIMITED} the seconds of its Retry-After (else 0).
     */
    public record Decided(Decision decision, boolean continued, long retryAfterSeconds) {
    }

    private final Catalog catalog;
    private final UpdatePolicy policy;
    private final DeviceRegistry devices;
    private final ArtifactStore store;
    private final UpdateTracker updates;
    private final RolloutEngine rollouts;
    private final Admission admission;
    private final StorageHealth storage;
    private final Limits.Rate deviceRate;
    private final Clock clock;
    private final DownloadAttempts attempts = new DownloadAttempts();

    public Delivery(Catalog catalog, UpdatePolicy policy, DeviceRegistry devices, ArtifactStore store, UpdateTracker updates,
                    RolloutEngine rollouts, Admission admission, StorageHealth storage, Limits.Rate deviceRate, Clock clock) {
        this.catalog = catalog;
        this.policy = policy;
        this.devices = devices;
        this.store = store;
        this.updates = updates;
        this.rollouts = rollouts;
        this.admission = admission;
        this.storage = storage;
        this.deviceRate = deviceRate;
        this.clock = clock;
    }

    /** Gates, observes, decides and records one check-in (the class comment has the order). */
    public Decided checkIn(Visit v) {
        CheckIn in = v.checkIn();
        Optional<Product> product = v.product();
        // A range that may continue the device's download at its own product is counted against its
        // limit only once the image is known and it turns out not to continue it (DownloadAttempts
        // has the rule). At another product it continues nothing: it is counted before it can move
        // the device (belongsTo).
        boolean mayContinue = in.mac() != null && product.isPresent()
                && attempts.mayContinue(in.mac(), in.resumeFrom(), in.at())
                && Long.valueOf(product.get().id()).equals(devices.owner(in.mac()));
        boolean continued = false;
        long[] retryAfter = {0};
        Decision d;
        Optional<Decision> refused = gate(v, mayContinue, retryAfter);
        if (refused.isPresent()) {
            d = refused.get();
        } else if (mayContinue) {
            // Which image the answer would send, without the check-in's effects (the running
            // version observed, a rollout membership fixed): a request that ends 429 changes nothing.
            Decision preview = intact(policy.decide(in, product));
            continued = continuing(v, preview);
            Optional<Decision> limited = continued ? Optional.empty() : rateLimited(v, product.get(), retryAfter);
            if (limited.isPresent()) {
                d = limited.get();
            } else {
                d = observeAndDecide(in, product);
                if (continued && !sameImage(preview, d)) {
                    // Something changed between the two looks (a pin, a rollout): not the download
                    // the exemption was for, so it is counted after all.
                    continued = false;
                    d = rateLimited(v, product.get(), retryAfter).orElse(d);
                }
            }
        } else {
            d = observeAndDecide(in, product);
        }
        devices.record(d);
        if (LOG.isInfoEnabled()) {
            LOG.info("{} {} {} -> {} {} ({})", in.endpoint().id(), in.mac() == null ? "anonymous" : in.mac(), in.productPath(),
                    d.status(), d.outcome().id(), d.reason());
        }
        return new Decided(d, continued, retryAfter[0]);
    }

    /**
     * What the check-in tells the server before it is decided: the running version advances the
     * device's open updates, and the device's wave membership in its product's rollouts is fixed
     * at first sight when the policy will ask them. Then the policy's decision, checked for integrity.
     */
    private Decision observeAndDecide(CheckIn in, Optional<Product> product) {
        if (product.isPresent() && in.mac() != null) {
            Product p = product.get();
            String running = policy.runningVersion(in, p);
            updates.observe(in.mac(), running, p.healthWindow(), in.at());
            if (!UpdatePolicy.isFilesystemRequest(in)) {
                policy.filesystems().sketchCheckIn(in.mac(), in.at());
            }
            if (policy.consultsRollouts(in, p)) {
                rollouts.offer(p, in.mac(), running, in.at(), in.resumeFrom() > 0);
            }
        }
        return intact(policy.decide(in, product));
    }

    private static boolean sameImage(Decision a, Decision b) {
        return a.outcome().sendsImage() && b.outcome().sendsImage() && a.artifact().sha256().equals(b.artifact().sha256());
    }

    /**
     * Admission, the per-device rate limit, storage, then the device's product ({@link #belongsTo});
     * empty when the device may go on to the update policy. A request that {@code mayContinue} the
     * device's download is not counted here ({@link #checkIn} counts it if it does not continue it).
     */
    private Optional<Decision> gate(Visit v, boolean mayContinue, long[] retryAfter) {
        CheckIn in = v.checkIn();
        if (v.product().isEmpty()) {
            return unstorable(in, null);
        }
        Product product = v.product().get();
        Optional<Admission.Refusal> refused = admission.check(product, in.mac(), v.token());
        if (refused.isPresent()) {
            return Optional.of(new Decision(in, product, refused.get().outcome(), in.version(), null, null,
                    refused.get().reason(), null));
        }
        if (in.mac() == null) {
            return unstorable(in, product);
        }
        if (!mayContinue) {
            Optional<Decision> limited = rateLimited(v, product, retryAfter);
            if (limited.isPresent()) {
                return limited;
            }
        }
        return unstorable(in, product).or(() -> belongsTo(in, product));
    }

    /** Takes a token from the device's bucket; the 429 decision (its Retry-After in {@code retryAfter}) when it is empty. */
    private Optional<Decision> rateLimited(Visit v, Product product, long[] retryAfter) {
        CheckIn in = v.checkIn();
        OptionalLong wait = v.rate().take(in.mac());
        if (wait.isEmpty()) {
            return Optional.empty();
        }
        long seconds = wait.getAsLong();
        retryAfter[0] = seconds;
        return Optional.of(new Decision(in, product, Outcome.RATE_LIMITED, in.version(), null, null,
                "device " + in.mac() + " checks in too often; retry after " + seconds + " s (limit device-rate "
                        + deviceRate.perMinute() + "/min, burst " + deviceRate.burst() + ")",
                null));
    }

    /**
     * Whether the answer to this request is a part that continues the device's download of the
     * decided image; if so it is recorded as sent in the same atomic step (DownloadAttempts).
     */
    private boolean continuing(Visit v, Decision d) {
        if (!d.outcome().sendsImage()) {
            return false;
        }
        Artifact a = d.artifact();
        CheckIn in = d.checkIn();
        Optional<Span> part = v.part().apply(a);
        return part.isPresent()
                && attempts.continuing(in.mac(), in.resumeFrom(), a.sha256(), a.size(), part.get().first(), part.get().last(), in.at());
    }

    /**
     * The device-identity rule (docs/device-identity.md): a device record belongs to one product.
     * A MAC nobody has claimed is claimed by the product of its first admitted check-in. A check-in
     * at another product's URL never rewrites the record of a device whose product enrolls
     * (allowlist or token): it is refused 403 not-enrolled, without naming that product to a caller
     * who has not proved anything; only an operator moves such a device. A device of an open
     * product proves nothing by its MAC, so an admitted check-in elsewhere moves it (its pin, a
     * release of the old product, is dropped) — the same as a reflash with the other product's firmware.
     */
    private Optional<Decision> belongsTo(CheckIn in, Product product) {
        long owner = devices.claim(in.mac(), product.id());
        if (owner == product.id()) {
            return Optional.empty();
        }
        Optional<Product> home = catalog.product(owner);
        if (home.isPresent() && home.get().enrollment() != Enrollment.OPEN) {
            return Optional.of(new Decision(in, product, Outcome.NOT_ENROLLED, in.version(), null, null, "device " + in.mac()
                    + " is registered to another product; an operator moves devices between products", null));
        }
        LOG.info("device {} moves from open product '{}' to '{}' (check-in at {})", in.mac(),
                home.map(Product::name).orElse("?"), product.name(), in.productPath());
        devices.move(in.mac(), product);
        return Optional.empty();
    }

    /**
     * A refusal when the server could not keep what this check-in writes (device row, timeline,
     * update state): an answer must never claim what the disk will not hold (StorageHealth).
     */
    private Optional<Decision> unstorable(CheckIn in, Product product) {
        StorageHealth.Refusal r = storage.checkIn();
        if (r == null) {
            return Optional.empty();
        }
        Outcome o = r.status() == Outcome.STORAGE_FULL.status() ? Outcome.STORAGE_FULL : Outcome.STORAGE_FAILING;
        return Optional.of(new Decision(in, product, o, in.version(), null, null, r.reason(), null));
    }

    /**
     * The decision, unless it sends an image that no longer hashes to its SHA-256: then
     * {@code corrupt-artifact}, and the device keeps its firmware (the store logs the damage and
     * lists it; hashing happens once per file per process, see ArtifactStore).
     */
    private Decision intact(Decision d) {
        if (!d.outcome().sendsImage() || store.check(d.artifact().sha256()) == null) {
            return d;
        }
        return corrupt(d);
    }

    /**
     * The {@code corrupt-artifact} refusal that replaces a decision to send an image whose stored
     * file failed its integrity check (found by {@link #checkIn}, or while the image is read to be sent).
     */
    public static Decision corrupt(Decision d) {
        return new Decision(d.checkIn(), d.product(), Outcome.CORRUPT_ARTIFACT, d.runningVersion(), d.target(), null,
                "the stored image " + d.artifact().sha256() + " of release " + d.target().version() + " failed its integrity "
                        + "check and is not sent; an operator must upload the release's image again", d.rolloutId());
    }

    /**
     * Bytes {@code first..last} of the decided image are about to be sent (not for HEAD, nor for a
     * range that cannot be satisfied). For an identified device: a request that was counted
     * ({@code continued} false) begins a new download attempt (DownloadAttempts), and a transfer
     * that ends with the image's last byte is one attempt of its update (the tracker and the
     * rollout's concurrency count follow it until {@link Download#ended}).
     */
    public Download sending(Decision d, boolean continued, long first, long last) {
        if (!d.outcome().sendsImage()) {
            throw new IllegalArgumentException("only an update decision sends an image, not " + d.outcome().id());
        }
        CheckIn in = d.checkIn();
        String mac = in.mac();
        if (mac == null) {
            return Download.UNTRACKED;
        }
        Artifact a = d.artifact();
        if (!continued) {
            attempts.began(mac, a.sha256(), a.size(), first, last, in.at());
        }
        if (last != a.size() - 1) {
            return Download.UNTRACKED;
        }
        if (d.outcome() == Outcome.FILESYSTEM) {
            // Not an attempt of the release's update: the app decides that (docs/device-contract.md,
            // "Filesystem requests"); a transfer with every byte makes the image sent to the device.
            SentFilesystems.Sent before = policy.filesystems().sending(mac, a.sha256(), now());
            return new Download(this, mac, 0, null, a.sha256(), before);
        }
        Release target = d.target();
        Long rollout = d.rolloutId();
        updates.downloading(mac, target.id(), rollout, in.resumeFrom() > 0, in.at());
        if (rollout != null) {
            rollouts.downloadStarted(rollout, mac, in.resumeFrom() > 0, in.at());
        }
        return new Download(this, mac, target.id(), rollout, null, null);
    }

    /** One transfer of an image that ends with its last byte; {@link #ended} closes it, once. */
    public static final class Download {

        static final Download UNTRACKED = new Download(null, null, 0, null, null, null);

        private final Delivery delivery;
        private final String mac;
        private final long releaseId;
        private final Long rolloutId;
        /** The file system image's SHA-256 for a file system transfer, else null. */
        private final String filesystem;
        /** For a file system transfer: what {@link SentFilesystems#sending} said to put back if it breaks. */
        private final SentFilesystems.Sent filesystemBefore;

        private Download(Delivery delivery, String mac, long releaseId, Long rolloutId, String filesystem,
                         SentFilesystems.Sent filesystemBefore) {
            this.filesystemBefore = filesystemBefore;
            this.delivery = delivery;
            this.mac = mac;
            this.releaseId = releaseId;
            this.rolloutId = rolloutId;
            this.filesystem = filesystem;
        }

        /** The transfer ended: every byte written ({@code complete}), or broken with {@code error} (in words). */
        public void ended(boolean complete, String error) {
            if (delivery != null) {
                delivery.ended(this, complete, error);
            }
        }
    }

    private void ended(Download d, boolean complete, String error) {
        if (d.filesystem != null) {
            if (!complete) {
                policy.filesystems().broken(d.mac, d.filesystem, d.filesystemBefore, now());
            }
            return;
        }
        if (d.rolloutId != null) {
            rollouts.downloadEnded(d.rolloutId, d.mac);
        }
        updates.transferEnded(d.mac, d.releaseId, complete, error, now());
    }

    /** Microseconds: what both databases keep, so a time read back equals the time written. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}

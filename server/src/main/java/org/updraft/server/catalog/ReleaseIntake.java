package org.updraft.server.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.updraft.core.sign.ReleaseManifest;
import org.updraft.core.version.Version;
import org.updraft.server.catalog.ReleaseValidation.ValidatedImage;
import org.updraft.server.problem.Rejection;

/**
 * Decides whether an upload becomes a release of a product, before anything is stored: a
 * refusal leaves the artifact store and the database as they were. It reads only its arguments
 * (no database, no clock), so the rules are tested directly (ReleaseIntakeTest).
 *
 * <p>The rules, in this order; the first that fails answers:
 * <ol>
 * <li>version ({@link VersionCheck#parse}): given, and a valid version — 400;
 * <li>notes: at most {@link #MAX_NOTES} characters — 400;
 * <li>version placement ({@link VersionCheck#fits}): not a version the product has, not below its
 *     newest release unless a downgrade — 409;
 * <li>images ({@link ReleaseValidation}): the parts the product kind needs, each a valid image
 *     that fits the product's chip, format, flash and slot (a NONOS pair unswapped) — 422;
 * <li>signatures ({@link SignatureCheck}): each image's trailer against the product's signing
 *     policy and trusted image keys — 422;
 * <li>manifest ({@link ManifestCheck}), when one was sent: signed by a trusted Ed25519 key, not
 *     expired, describing exactly this upload — 422;
 * <li>security counter ({@link CounterCheck}): not below the product's highest unless a
 *     downgrade — 409.
 * </ol>
 */
final class ReleaseIntake {

    /** Longest release notes kept. */
    static final int MAX_NOTES = 2000;

    private ReleaseIntake() {
    }

    /**
     * @param product  the product's current record (its signing policy applies)
     * @param releases the product's releases, newest version first
     * @param keys     the product's trusted keys
     * @param now      the time a manifest's expiry is checked against
     */
    static AcceptedRelease admit(Product product, List<Release> releases, List<TrustedKey> keys, ReleaseUpload upload,
                                 Instant now) {
        Version version = VersionCheck.parse(upload.version());
        String notes = upload.notes();
        if (notes != null && notes.length() > MAX_NOTES) {
            throw Rejection.badRequest("notes are " + notes.length() + " characters; at most " + MAX_NOTES + " are kept");
        }
        VersionCheck.fits(product, releases, version, upload.downgrade());
        Map<ArtifactRole, ValidatedImage> images = ReleaseValidation.validate(product, upload.images());
        String signer = null;
        for (ValidatedImage img : images.values()) {
            if (img.image() == null) {
                continue; // the file system image carries no signature trailer (docs/images.md, "Filesystem images")
            }
            String s = SignatureCheck.signer(product, img.role().id() + " image", img.bytes(), img.image(), keys);
            signer = signer == null ? s : signer;
        }
        ReleaseManifest manifest = upload.manifest() == null ? null
                : ManifestCheck.check(product, version, upload.manifest(), images, keys, now);
        long counter = CounterCheck.check(releases, manifest, upload.downgrade());
        return new AcceptedRelease(product, version, notes, upload.downgrade(), upload.held(), images, counter, signer,
                manifest == null ? null : manifest.text());
    }
}

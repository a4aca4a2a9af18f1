package org.updraft.server.catalog;

import java.util.List;
import java.util.Optional;
import org.updraft.core.version.Version;
import org.updraft.server.problem.Rejection;

/**
 * The version rules of an upload: the version is given and valid; releases are immutable, so a
 * product has each version once; a version lower than the product's newest release is taken
 * only when the upload is marked as a downgrade (devices never move to a lower version
 * otherwise).
 */
final class VersionCheck {

    private VersionCheck() {
    }

    /** The upload's version text, parsed; 400 when missing or not a version. */
    static Version parse(String text) {
        if (text == null || text.isBlank()) {
            throw Rejection.badRequest("version is required (e.g. 1.2.0 or 2)");
        }
        try {
            return Version.parse(text);
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest("version '" + Rejection.echo(text) + "' is not valid: " + e.getMessage());
        }
    }

    /**
     * Refuses (409) a version the product already has, and one below its newest release unless
     * {@code downgrade}. {@code releases}: the product's releases, newest version first.
     */
    static void fits(Product product, List<Release> releases, Version version, boolean downgrade) {
        if (releases.stream().anyMatch(r -> r.version().equals(version))) {
            throw Rejection.conflict("product '" + product.name() + "' already has release " + version
                    + "; releases are immutable, upload a new version");
        }
        Optional<Release> newest = releases.stream().findFirst();
        if (newest.isPresent() && version.compareTo(newest.get().version()) < 0 && !downgrade) {
            throw Rejection.conflict("version " + version + " is lower than the newest release " + newest.get().version()
                    + " of '" + product.name() + "'; devices never move to a lower version unless the release is marked "
                    + "as a downgrade (downgrade=true)");
        }
    }
}

package org.updraft.server.catalog;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.updraft.core.sign.ReleaseManifest;
import org.updraft.server.problem.Rejection;

/**
 * The anti-rollback rule of an upload: a release's security counter (its signed manifest's, 0
 * without one) is not lower than the highest counter among the product's releases, unless the
 * upload is marked as a downgrade — a device that ran the higher counter never accepts it, so
 * such a release only serves devices below that counter.
 */
final class CounterCheck {

    private CounterCheck() {
    }

    /** The release's security counter; 409 when it is below the product's highest and not a downgrade. */
    static long check(List<Release> releases, ReleaseManifest manifest, boolean downgrade) {
        long counter = manifest == null ? 0 : manifest.securityCounter();
        Optional<Release> highest = releases.stream().max(Comparator.comparingLong(Release::securityCounter));
        if (highest.isPresent() && counter < highest.get().securityCounter() && !downgrade) {
            throw Rejection.conflict("security counter " + counter + (manifest == null ? " (a release without a manifest)" : "")
                    + " is lower than " + highest.get().securityCounter() + " of release " + highest.get().version()
                    + "; a device that ran that release never accepts it — raise the counter, or mark the release "
                    + "as a downgrade (downgrade=true) to keep it for devices below that counter");
        }
        return counter;
    }
}

package org.updraft.server.fleet;

import org.updraft.server.catalog.Artifact;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;

/**
 * The one answer to one check-in: logged, counted in metrics, stored on the device row and, when it
 * differs from the device's previous decision, in the device's timeline.
 *
 * @param product        the product, or null when the path named none
 * @param runningVersion what the device runs, as far as Updraft can tell (null when unknown)
 * @param target         the release the device should run (null when none)
 * @param artifact       the image to send; non-null exactly when {@code outcome.sendsImage()}
 * @param reason         human detail for refusals and for the timeline
 * @param rolloutId      the rollout that offered the target, or null
 */
public record Decision(CheckIn checkIn, Product product, Outcome outcome, String runningVersion, Release target,
                       Artifact artifact, String reason, Long rolloutId) {

    public Decision {
        if (outcome.sendsImage() != (artifact != null)) {
            throw new IllegalArgumentException("an artifact goes with UPDATE, STEPPING_STONE or FILESYSTEM and only with them, got "
                    + outcome);
        }
    }

    public int status() {
        return outcome.status();
    }
}

package org.updraft.server.catalog;

import java.util.Map;
import org.updraft.core.version.Version;
import org.updraft.server.catalog.ReleaseValidation.ValidatedImage;

/**
 * An upload {@link ReleaseIntake} accepted: every rule passed, nothing is stored yet. Only
 * {@link CatalogStore#insertRelease} turns it into a {@link Release}.
 *
 * @param product         the product's current record
 * @param securityCounter the signed manifest's anti-rollback counter; 0 without a manifest
 * @param signer          fingerprint of the trusted key the first signed image verified with, or null
 * @param manifest        the canonical text of the verified manifest, or null
 */
record AcceptedRelease(Product product, Version version, String notes, boolean downgrade, boolean held,
                       Map<ArtifactRole, ValidatedImage> images, long securityCounter, String signer, String manifest) {
}

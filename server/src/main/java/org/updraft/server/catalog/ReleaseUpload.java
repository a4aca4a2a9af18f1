package org.updraft.server.catalog;

import java.util.Map;

/**
 * What an upload asks to become a release, as the management API received it: nothing in it is
 * checked yet ({@link ReleaseIntake} does that).
 *
 * @param version  the version text ("1.2.0", "2"), or null when the field was missing
 * @param notes    free text, or null
 * @param downgrade whether the release may sit below the newest version or security counter
 * @param held     whether the release reaches devices only through a rollout
 * @param images   the uploaded file parts by role
 * @param manifest the signed release manifest's text, or null
 */
record ReleaseUpload(String version, String notes, boolean downgrade, boolean held, Map<ArtifactRole, byte[]> images,
                     String manifest) {
}

package org.updraft.server.catalog;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.updraft.core.version.Version;

/**
 * A version of a product's firmware with its artifacts (one image, or the NONOS user1/user2 pair).
 * A {@code held} release reaches devices only through a rollout.
 *
 * @param securityCounter the anti-rollback counter of its signed manifest; 0 without a manifest
 * @param signer          fingerprint of the trusted key its image signature verified with, or null
 * @param manifest        the canonical text of its signed release manifest, or null
 */
public record Release(long id, long productId, Version version, String notes, boolean downgrade, boolean held,
                      Instant createdAt, Map<ArtifactRole, Artifact> artifacts, long securityCounter, String signer,
                      String manifest) {

    public Release {
        artifacts = Map.copyOf(artifacts);
    }

    public Optional<Artifact> artifact(ArtifactRole role) {
        return Optional.ofNullable(artifacts.get(role));
    }

    /** True when one of this release's app images is the given installed image (a file system image never is). */
    public boolean containsInstalledMd5(String md5) {
        return apps().anyMatch(a -> a.installedMd5().equalsIgnoreCase(md5));
    }

    public boolean containsSha256(String sha256) {
        return apps().anyMatch(a -> a.installedSha256().equalsIgnoreCase(sha256) || a.sha256().equalsIgnoreCase(sha256));
    }

    /** The images a device boots: every artifact but the file system image. */
    public java.util.stream.Stream<Artifact> apps() {
        return artifacts.entrySet().stream().filter(e -> e.getKey().isApp()).map(Map.Entry::getValue);
    }
}

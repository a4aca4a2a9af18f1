package org.updraft.server.catalog;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.updraft.core.sign.ReleaseManifest;
import org.updraft.core.sign.VerifyingKey;
import org.updraft.core.sign.Verification;
import org.updraft.core.version.Version;
import org.updraft.server.problem.Rejection;
import org.updraft.server.catalog.ReleaseValidation.ValidatedImage;

/**
 * The upload-time check of a release's Ed25519-signed manifest ({@link ReleaseManifest}): it must
 * parse, be signed by one of the product's Ed25519 keys, not be expired, and describe exactly this
 * upload — product, version, and each artifact's SHA-256 and size (role {@code firmware} may also
 * be called {@code app}). Every refusal is a 422 starting "manifest rejected: ".
 */
final class ManifestCheck {

    static final int MAX_TEXT = 4000;

    private ManifestCheck() {
    }

    static ReleaseManifest check(Product product, Version version, String text, Map<ArtifactRole, ValidatedImage> images,
                                 List<TrustedKey> keys, Instant now) {
        if (text.length() > MAX_TEXT) {
            throw reject(text.length() + " characters; a manifest is at most " + MAX_TEXT);
        }
        ReleaseManifest m;
        try {
            m = ReleaseManifest.parse(text);
        } catch (IllegalArgumentException e) {
            throw reject(e.getMessage());
        }
        List<VerifyingKey> manifestKeys = keys.stream().filter(TrustedKey::checksManifests).map(TrustedKey::key).toList();
        if (manifestKeys.isEmpty()) {
            throw reject("product '" + product.name() + "' has no Ed25519 manifest key to check it with (manifest key-id "
                    + m.keyId() + "); add the public key with POST /api/v1/products/" + product.name() + "/keys");
        }
        if (m.verify(manifestKeys, now) instanceof Verification.Invalid invalid) {
            throw reject(invalid.reason());
        }
        if (!m.product().equals(product.name())) {
            throw reject("it is for product '" + m.product() + "', but this upload is for '" + product.name() + "'");
        }
        if (!sameVersion(m.version(), version)) {
            throw reject("it is for version " + m.version() + ", but this upload is version " + version);
        }
        Set<String> expected = new TreeSet<>();
        images.keySet().forEach(r -> expected.add(r.id()));
        Set<String> listed = new TreeSet<>();
        m.artifacts().forEach(a -> listed.add(a.role().equals("app") ? ArtifactRole.FIRMWARE.id()
                : a.role().equals("filesystem") ? ArtifactRole.FILESYSTEM.id() : a.role()));
        if (!listed.equals(expected) || listed.size() != m.artifacts().size()) {
            throw reject("it lists the artifacts " + m.artifacts().stream().map(ReleaseManifest.Artifact::role).toList()
                    + ", but this upload has " + expected);
        }
        for (ReleaseManifest.Artifact a : m.artifacts()) {
            ArtifactRole role = a.role().equals("app") ? ArtifactRole.FIRMWARE : ArtifactRole.parse(a.role());
            ValidatedImage img = images.get(role);
            if (!a.matches(img.bytes())) {
                throw reject("artifact " + a.role() + ": the manifest says sha256 " + a.sha256() + " and " + a.size()
                        + " bytes, but the uploaded " + role.id() + " image has sha256 " + img.sha256() + " and "
                        + img.bytes().length + " bytes");
            }
        }
        return m;
    }

    private static boolean sameVersion(String manifestVersion, Version version) {
        return Version.tryParse(manifestVersion).filter(v -> v.compareTo(version) == 0).isPresent();
    }

    private static Rejection reject(String why) {
        return Rejection.unprocessable("manifest rejected: " + why);
    }
}

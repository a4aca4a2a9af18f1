package org.updraft.server.catalog;

import java.time.Instant;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.VerifyingKey;
import org.updraft.server.artifact.Digests;

/**
 * A public key a product trusts. RSA-2048 and ECDSA P-256 keys check image signature trailers;
 * Ed25519 keys check release manifests.
 *
 * @param keyId     hex SHA-256 of the DER SubjectPublicKeyInfo: the key's name in URLs
 * @param key       the key; {@code key.fingerprint()} is the same digest as "SHA256:" + base64
 * @param createdAt when it was added
 */
public record TrustedKey(String keyId, VerifyingKey key, Instant createdAt) {

    static TrustedKey of(VerifyingKey key, Instant at) {
        return new TrustedKey(Digests.sha256Hex(key.publicKey().getEncoded()), key, at);
    }

    public String fingerprint() {
        return key.fingerprint();
    }

    public KeyAlgorithm algorithm() {
        return key.algorithm();
    }

    /** What the key is trusted for: "manifest" (Ed25519) or "image" (RSA, ECDSA). */
    public String use() {
        return checksManifests() ? "manifest" : "image";
    }

    public boolean checksManifests() {
        return key.algorithm() == KeyAlgorithm.ED25519;
    }

    public boolean checksImages() {
        return !checksManifests();
    }

    /** "RSA-2048 SHA256:…". */
    String describe() {
        return key.toString();
    }
}

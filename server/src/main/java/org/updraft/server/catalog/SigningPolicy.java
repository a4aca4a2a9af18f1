package org.updraft.server.catalog;

import org.updraft.server.problem.Rejection;

/**
 * Whether a product's images must be signed: checked at upload by {@link SignatureCheck}, before
 * anything is stored (docs/architecture.md, the upload flow). Signed images are stored and served verbatim either way (the device verifies the trailer).
 */
public enum SigningPolicy {
    /** Unsigned images are accepted; a signed one is recorded with its signer when a trusted key verifies it. */
    UNSIGNED_ALLOWED("unsigned-allowed"),
    /** Every image must carry an Arduino signature trailer that verifies with one of the product's trusted keys. */
    REQUIRED("required");

    private final String id;

    SigningPolicy(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static SigningPolicy parse(String id) {
        for (SigningPolicy p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        throw Rejection.badRequest("signing must be unsigned-allowed or required, got '" + id + "'");
    }
}

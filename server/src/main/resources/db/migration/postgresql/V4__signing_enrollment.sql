-- Signing policy, trusted keys, release manifests and security counters (DESIGN §5, §8), device
-- enrollment (allowlists, per-device tokens). V3 belongs to admin auth and the audit log.

-- unsigned-allowed | required: whether every image of a release must carry an Arduino signature
-- trailer that verifies with one of the product's trusted keys.
ALTER TABLE product ADD COLUMN signing VARCHAR(24) DEFAULT 'unsigned-allowed' NOT NULL;
-- open | allowlist | token: which devices may check in.
ALTER TABLE product ADD COLUMN enrollment VARCHAR(16) DEFAULT 'open' NOT NULL;

-- Public keys a product trusts: RSA-2048 / ECDSA P-256 for image signatures, Ed25519 for
-- release manifests. key_id is the hex SHA-256 of the DER SubjectPublicKeyInfo, fingerprint the
-- same digest as "SHA256:" + base64 (VerifyingKey#fingerprint).
CREATE TABLE product_key (
    product_id   BIGINT       NOT NULL REFERENCES product (id),
    key_id       CHAR(64)     NOT NULL,
    fingerprint  VARCHAR(64)  NOT NULL,
    algorithm    VARCHAR(16)  NOT NULL,
    pem          VARCHAR(4000) NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (product_id, key_id)
);

-- security_counter: from the release's signed manifest, 0 without one. signer: fingerprint of the
-- trusted key the image signature verified with (null: unsigned or not verified). manifest: the
-- canonical manifest text, or null.
ALTER TABLE firmware_release ADD COLUMN security_counter BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE firmware_release ADD COLUMN signer VARCHAR(64);
ALTER TABLE firmware_release ADD COLUMN manifest VARCHAR(4000);

CREATE TABLE product_allowlist (
    product_id  BIGINT   NOT NULL REFERENCES product (id),
    mac         CHAR(17) NOT NULL,
    PRIMARY KEY (product_id, mac)
);

-- One secret per device, bound to a product; only its SHA-256 is kept. revoked_at set: refused.
CREATE TABLE device_token (
    mac         CHAR(17)  PRIMARY KEY,
    product_id  BIGINT    NOT NULL REFERENCES product (id),
    token_hash  CHAR(64)  NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at  TIMESTAMP WITH TIME ZONE
);

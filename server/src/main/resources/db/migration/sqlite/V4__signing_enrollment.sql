-- Signing policy, trusted keys, release manifests and security counters (DESIGN §5, §8), device
-- enrollment (allowlists, per-device tokens). SQLite dialect of db/migration/postgresql/V4 (see
-- V1 here for the rules).

-- unsigned-allowed | required: whether every image of a release must carry an Arduino signature
-- trailer that verifies with one of the product's trusted keys.
ALTER TABLE product ADD COLUMN signing TEXT DEFAULT 'unsigned-allowed' NOT NULL CHECK (length(signing) <= 24);
-- open | allowlist | token: which devices may check in.
ALTER TABLE product ADD COLUMN enrollment TEXT DEFAULT 'open' NOT NULL CHECK (length(enrollment) <= 16);

-- Public keys a product trusts: RSA-2048 / ECDSA P-256 for image signatures, Ed25519 for
-- release manifests. key_id is the hex SHA-256 of the DER SubjectPublicKeyInfo, fingerprint the
-- same digest as "SHA256:" + base64 (VerifyingKey#fingerprint).
CREATE TABLE product_key (
    product_id   INTEGER NOT NULL REFERENCES product (id),
    key_id       TEXT    NOT NULL CHECK (length(key_id) <= 64),
    fingerprint  TEXT    NOT NULL CHECK (length(fingerprint) <= 64),
    algorithm    TEXT    NOT NULL CHECK (length(algorithm) <= 16),
    pem          TEXT    NOT NULL CHECK (length(pem) <= 4000),
    created_at   TEXT    NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__.______Z'),
    PRIMARY KEY (product_id, key_id)
) STRICT;

-- security_counter: from the release's signed manifest, 0 without one. signer: fingerprint of the
-- trusted key the image signature verified with (null: unsigned or not verified). manifest: the
-- canonical manifest text, or null.
ALTER TABLE firmware_release ADD COLUMN security_counter INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE firmware_release ADD COLUMN signer TEXT CHECK (length(signer) <= 64);
ALTER TABLE firmware_release ADD COLUMN manifest TEXT CHECK (length(manifest) <= 4000);

CREATE TABLE product_allowlist (
    product_id  INTEGER NOT NULL REFERENCES product (id),
    mac         TEXT    NOT NULL CHECK (length(mac) <= 17),
    PRIMARY KEY (product_id, mac)
) STRICT;

-- One secret per device, bound to a product; only its SHA-256 is kept. revoked_at set: refused.
CREATE TABLE device_token (
    mac         TEXT    PRIMARY KEY CHECK (length(mac) <= 17),
    product_id  INTEGER NOT NULL REFERENCES product (id),
    token_hash  TEXT    NOT NULL CHECK (length(token_hash) <= 64),
    created_at  TEXT    NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__.______Z'),
    revoked_at  TEXT    CHECK (revoked_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;

-- One migration set for H2 (MODE=PostgreSQL) and PostgreSQL >= 15.
-- Subset rules (reference/java-stack.md §3): identity columns, MERGE for upserts, generated keys
-- instead of RETURNING, bound timestamps instead of INTERVAL arithmetic.

CREATE TABLE product (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         VARCHAR(64)  NOT NULL UNIQUE,
    chip         VARCHAR(16)  NOT NULL,
    kind         VARCHAR(16)  NOT NULL,
    layout       VARCHAR(32)  NOT NULL,
    flash_size   BIGINT       NOT NULL,
    slot_size    BIGINT       NOT NULL,
    update_path  VARCHAR(255) UNIQUE,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Content-addressed, immutable. installed_md5 is the MD5 of what sits in flash after the install
-- (no signature trailer, decompressed): what x-ESP8266-sketch-md5 reports afterwards.
-- installed_sha256 is what x-ESP32-sketch-sha256 reports: the SHA-256 appended to an ESP32 image.
CREATE TABLE artifact (
    sha256         CHAR(64)    PRIMARY KEY,
    md5            CHAR(32)    NOT NULL,
    installed_md5  CHAR(32)    NOT NULL,
    installed_sha256 CHAR(64)  NOT NULL,
    size           BIGINT      NOT NULL,
    format         VARCHAR(32) NOT NULL,
    chip           VARCHAR(16) NOT NULL,
    app_version    VARCHAR(64),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX artifact_installed_md5 ON artifact (installed_md5);

CREATE TABLE firmware_release (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  BIGINT       NOT NULL REFERENCES product (id),
    version     VARCHAR(64)  NOT NULL,
    notes       VARCHAR(2000),
    downgrade   BOOLEAN      NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT release_version_unique UNIQUE (product_id, version)
);

CREATE TABLE release_artifact (
    release_id  BIGINT     NOT NULL REFERENCES firmware_release (id),
    role        VARCHAR(8) NOT NULL,
    sha256      CHAR(64)   NOT NULL REFERENCES artifact (sha256),
    PRIMARY KEY (release_id, role)
);

CREATE TABLE device (
    mac               CHAR(17)     PRIMARY KEY,
    product_id        BIGINT       NOT NULL REFERENCES product (id),
    chip_id           VARCHAR(16),
    chip_size         BIGINT,
    free_space        BIGINT,
    sketch_size       BIGINT,
    sdk_version       VARCHAR(64),
    running_version   VARCHAR(64),
    running_md5       CHAR(32),
    running_sha256    CHAR(64),
    address           VARCHAR(64),
    first_seen        TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen         TIMESTAMP WITH TIME ZONE NOT NULL,
    pinned_release_id BIGINT REFERENCES firmware_release (id),
    last_outcome      VARCHAR(32),
    last_reason       VARCHAR(300)
);
CREATE INDEX device_product ON device (product_id);

-- The device timeline: one row per check-in Decision.
CREATE TABLE check_in (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mac             CHAR(17)    NOT NULL,
    at              TIMESTAMP WITH TIME ZONE NOT NULL,
    endpoint        VARCHAR(16) NOT NULL,
    outcome         VARCHAR(32) NOT NULL,
    status          INT         NOT NULL,
    reason          VARCHAR(300),
    running_version VARCHAR(64),
    target_version  VARCHAR(64),
    address         VARCHAR(64)
);
CREATE INDEX check_in_mac_at ON check_in (mac, at);

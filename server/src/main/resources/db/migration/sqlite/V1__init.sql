-- The embedded database (SQLite, store/Database): the same tables, columns, keys and limits as
-- db/migration/postgresql, version for version, in SQLite's dialect:
--   * ids: INTEGER PRIMARY KEY AUTOINCREMENT (PostgreSQL: identity columns; AUTOINCREMENT never
--     hands out an id again, as an identity does not);
--   * STRICT tables: a value of the wrong type is refused, as PostgreSQL refuses it;
--   * VARCHAR(n)/CHAR(n) limits become CHECK (length(col) <= n): SQLite does not enforce lengths;
--   * BOOLEAN is INTEGER 0/1, DOUBLE PRECISION is REAL;
--   * a timestamp is TEXT in one form only, written by store/Sql#text: UTC with microseconds,
--     'YYYY-MM-DDTHH:MM:SS.ffffffZ', 27 characters, so text order is time order and bound
--     timestamps compare correctly; the CHECK refuses any other form.

CREATE TABLE product (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL UNIQUE CHECK (length(name) <= 64),
    chip         TEXT    NOT NULL CHECK (length(chip) <= 16),
    kind         TEXT    NOT NULL CHECK (length(kind) <= 16),
    layout       TEXT    NOT NULL CHECK (length(layout) <= 32),
    flash_size   INTEGER NOT NULL,
    slot_size    INTEGER NOT NULL,
    update_path  TEXT    UNIQUE CHECK (length(update_path) <= 255),
    created_at   TEXT    NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;

-- Content-addressed, immutable. installed_md5 is the MD5 of what sits in flash after the install
-- (no signature trailer, decompressed): what x-ESP8266-sketch-md5 reports afterwards.
-- installed_sha256 is what x-ESP32-sketch-sha256 reports: the SHA-256 appended to an ESP32 image.
CREATE TABLE artifact (
    sha256           TEXT    PRIMARY KEY CHECK (length(sha256) <= 64),
    md5              TEXT    NOT NULL CHECK (length(md5) <= 32),
    installed_md5    TEXT    NOT NULL CHECK (length(installed_md5) <= 32),
    installed_sha256 TEXT    NOT NULL CHECK (length(installed_sha256) <= 64),
    size             INTEGER NOT NULL,
    format           TEXT    NOT NULL CHECK (length(format) <= 32),
    chip             TEXT    NOT NULL CHECK (length(chip) <= 16),
    app_version      TEXT    CHECK (length(app_version) <= 64),
    created_at       TEXT    NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;
CREATE INDEX artifact_installed_md5 ON artifact (installed_md5);

CREATE TABLE firmware_release (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id  INTEGER NOT NULL REFERENCES product (id),
    version     TEXT    NOT NULL CHECK (length(version) <= 64),
    notes       TEXT    CHECK (length(notes) <= 2000),
    downgrade   INTEGER NOT NULL CHECK (downgrade IN (0, 1)),
    created_at  TEXT    NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__.______Z'),
    CONSTRAINT release_version_unique UNIQUE (product_id, version)
) STRICT;

CREATE TABLE release_artifact (
    release_id  INTEGER NOT NULL REFERENCES firmware_release (id),
    role        TEXT    NOT NULL CHECK (length(role) <= 8),
    sha256      TEXT    NOT NULL REFERENCES artifact (sha256),
    PRIMARY KEY (release_id, role)
) STRICT;

CREATE TABLE device (
    mac               TEXT    PRIMARY KEY CHECK (length(mac) <= 17),
    product_id        INTEGER NOT NULL REFERENCES product (id),
    chip_id           TEXT    CHECK (length(chip_id) <= 16),
    chip_size         INTEGER,
    free_space        INTEGER,
    sketch_size       INTEGER,
    sdk_version       TEXT    CHECK (length(sdk_version) <= 64),
    running_version   TEXT    CHECK (length(running_version) <= 64),
    running_md5       TEXT    CHECK (length(running_md5) <= 32),
    running_sha256    TEXT    CHECK (length(running_sha256) <= 64),
    address           TEXT    CHECK (length(address) <= 64),
    first_seen        TEXT    NOT NULL CHECK (first_seen LIKE '____-__-__T__:__:__.______Z'),
    last_seen         TEXT    NOT NULL CHECK (last_seen LIKE '____-__-__T__:__:__.______Z'),
    pinned_release_id INTEGER REFERENCES firmware_release (id),
    last_outcome      TEXT    CHECK (length(last_outcome) <= 32),
    last_reason       TEXT    CHECK (length(last_reason) <= 300)
) STRICT;
CREATE INDEX device_product ON device (product_id);

-- The device timeline: one row per check-in Decision.
CREATE TABLE check_in (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    mac             TEXT    NOT NULL CHECK (length(mac) <= 17),
    at              TEXT    NOT NULL CHECK (at LIKE '____-__-__T__:__:__.______Z'),
    endpoint        TEXT    NOT NULL CHECK (length(endpoint) <= 16),
    outcome         TEXT    NOT NULL CHECK (length(outcome) <= 32),
    status          INTEGER NOT NULL,
    reason          TEXT    CHECK (length(reason) <= 300),
    running_version TEXT    CHECK (length(running_version) <= 64),
    target_version  TEXT    CHECK (length(target_version) <= 64),
    address         TEXT    CHECK (length(address) <= 64)
) STRICT;
CREATE INDEX check_in_mac_at ON check_in (mac, at);

-- Staged rollouts (DESIGN §6) and the per-device update state derived from check-ins (DESIGN §3).
-- SQLite dialect of db/migration/postgresql/V2 (see V1 here for the rules).

-- How long a device must keep checking in on a new image before it counts as confirmed.
ALTER TABLE product ADD COLUMN health_window_seconds INTEGER DEFAULT 300 NOT NULL;

CREATE TABLE device_tag (
    mac  TEXT NOT NULL CHECK (length(mac) <= 17),
    tag  TEXT NOT NULL CHECK (length(tag) <= 64),
    PRIMARY KEY (mac, tag)
) STRICT;

CREATE TABLE rollout (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id         INTEGER NOT NULL REFERENCES product (id),
    release_id         INTEGER NOT NULL REFERENCES firmware_release (id),
    state              TEXT    NOT NULL CHECK (length(state) <= 16),
    reason             TEXT    CHECK (length(reason) <= 300),
    target_tags        TEXT    CHECK (length(target_tags) <= 500),
    from_versions      TEXT    CHECK (length(from_versions) <= 200),
    waves              TEXT    NOT NULL CHECK (length(waves) <= 500),
    success_threshold  REAL    NOT NULL,
    failure_threshold  REAL    NOT NULL,
    soak_seconds       INTEGER NOT NULL,
    max_concurrent     INTEGER NOT NULL,
    max_attempts       INTEGER NOT NULL,
    backoff_seconds    INTEGER NOT NULL,
    current_wave       INTEGER NOT NULL,
    wave_started_at    TEXT    CHECK (wave_started_at LIKE '____-__-__T__:__:__.______Z'),
    created_at         TEXT    NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__.______Z'),
    finished_at        TEXT    CHECK (finished_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;

CREATE TABLE device_update (
    mac              TEXT    NOT NULL CHECK (length(mac) <= 17),
    release_id       INTEGER NOT NULL REFERENCES firmware_release (id),
    rollout_id       INTEGER,
    state            TEXT    NOT NULL CHECK (length(state) <= 16),
    attempts         INTEGER NOT NULL,
    last_error       TEXT    CHECK (length(last_error) <= 300),
    offered_at       TEXT    CHECK (offered_at LIKE '____-__-__T__:__:__.______Z'),
    downloaded_at    TEXT    CHECK (downloaded_at LIKE '____-__-__T__:__:__.______Z'),
    installed_at     TEXT    CHECK (installed_at LIKE '____-__-__T__:__:__.______Z'),
    finished_at      TEXT    CHECK (finished_at LIKE '____-__-__T__:__:__.______Z'),
    next_attempt_at  TEXT    CHECK (next_attempt_at LIKE '____-__-__T__:__:__.______Z'),
    updated_at       TEXT    NOT NULL CHECK (updated_at LIKE '____-__-__T__:__:__.______Z'),
    PRIMARY KEY (mac, release_id)
) STRICT;
CREATE INDEX device_update_rollout ON device_update (rollout_id);

-- A held release reaches devices only through a rollout (until a rollout of it completes).
ALTER TABLE firmware_release ADD COLUMN held INTEGER DEFAULT 0 NOT NULL CHECK (held IN (0, 1));

-- Which file system image each device was last sent in full, and whether it confirmed it
-- (docs/device-contract.md, "Filesystem requests"). SQLite dialect of db/migration/postgresql/V9.
CREATE TABLE device_filesystem (
    mac        TEXT    PRIMARY KEY CHECK (length(mac) <= 17),
    sha256     TEXT    NOT NULL CHECK (length(sha256) <= 64),
    confirmed  INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    changed_at    TEXT    NOT NULL CHECK (changed_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;

-- Artifact bytes in the database: SQLite dialect of db/migration/postgresql/V9 (the embedded
-- engine keeps them too, so a backup of the one database file holds every image).
CREATE TABLE artifact_blob (
    sha256      TEXT    PRIMARY KEY CHECK (length(sha256) <= 64),
    size        INTEGER NOT NULL,
    chunks      INTEGER NOT NULL,
    touched_at  TEXT    NOT NULL CHECK (touched_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;

CREATE TABLE artifact_blob_chunk (
    sha256  TEXT    NOT NULL REFERENCES artifact_blob (sha256) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    bytes   BLOB    NOT NULL,
    PRIMARY KEY (sha256, seq)
) STRICT;

-- Artifact bytes in the database (docs/integrity.md, "Artifact bytes live in the database"), so
-- instances that share only the database serve the same images. Content-addressed by SHA-256,
-- kind-agnostic: one row per blob, its bytes in chunks of at most 256 KiB (a 16 MB image is 64
-- rows; no statement reads or writes more than one chunk, so neither server nor database holds a
-- whole image for one row). touched_at is set by every upload that stores or reuses the blob:
-- garbage collection removes only blobs untouched for its grace period (docs/lifecycle.md).
CREATE TABLE artifact_blob (
    sha256      CHAR(64)                 PRIMARY KEY,
    size        BIGINT                   NOT NULL,
    chunks      INT                      NOT NULL,
    touched_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE artifact_blob_chunk (
    sha256  CHAR(64) NOT NULL REFERENCES artifact_blob (sha256) ON DELETE CASCADE,
    seq     INT      NOT NULL,
    bytes   BYTEA    NOT NULL,
    PRIMARY KEY (sha256, seq)
);

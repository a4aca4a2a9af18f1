-- Management API tokens and the hash-chained audit log (DESIGN §8).
-- SQLite dialect of db/migration/postgresql/V3 (see V1 here for the rules).

-- Bearer tokens: only the SHA-256 of the secret is kept. Never deleted, only revoked, so audit rows
-- keep naming a token that exists.
CREATE TABLE api_token (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL CHECK (length(name) <= 64),
    role           TEXT NOT NULL CHECK (length(role) <= 16),
    secret_sha256  TEXT NOT NULL UNIQUE CHECK (length(secret_sha256) <= 64),
    created_at     TEXT NOT NULL CHECK (created_at LIKE '____-__-__T__:__:__.______Z'),
    created_by     TEXT CHECK (length(created_by) <= 100),
    revoked_at     TEXT CHECK (revoked_at LIKE '____-__-__T__:__:__.______Z')
) STRICT;

-- Append-only. hash = SHA-256 over the canonical row including prev_hash (AuditEntry); seq is
-- assigned by the server, without gaps, starting at 1.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT    NOT NULL CHECK (at LIKE '____-__-__T__:__:__.______Z'),
    actor      TEXT    NOT NULL CHECK (length(actor) <= 64),
    token_id   INTEGER,
    role       TEXT    CHECK (length(role) <= 16),
    action     TEXT    NOT NULL CHECK (length(action) <= 200),
    target     TEXT    NOT NULL CHECK (length(target) <= 500),
    remote     TEXT    CHECK (length(remote) <= 64),
    status     INTEGER NOT NULL,
    prev_hash  TEXT    NOT NULL CHECK (length(prev_hash) <= 64),
    hash       TEXT    NOT NULL CHECK (length(hash) <= 64)
) STRICT;

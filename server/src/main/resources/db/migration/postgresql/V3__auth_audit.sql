-- Management API tokens and the hash-chained audit log (DESIGN §8).

-- Bearer tokens: only the SHA-256 of the secret is kept. Never deleted, only revoked, so audit rows
-- keep naming a token that exists.
CREATE TABLE api_token (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           VARCHAR(64)  NOT NULL,
    role           VARCHAR(16)  NOT NULL,
    secret_sha256  CHAR(64)     NOT NULL UNIQUE,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    created_by     VARCHAR(100),
    revoked_at     TIMESTAMP WITH TIME ZONE
);

-- Append-only. hash = SHA-256 over the canonical row including prev_hash (AuditEntry); seq is
-- assigned by the server, without gaps, starting at 1.
CREATE TABLE audit_log (
    seq        BIGINT       PRIMARY KEY,
    at         TIMESTAMP WITH TIME ZONE NOT NULL,
    actor      VARCHAR(64)  NOT NULL,
    token_id   BIGINT,
    role       VARCHAR(16),
    action     VARCHAR(200) NOT NULL,
    target     VARCHAR(500) NOT NULL,
    remote     VARCHAR(64),
    status     INT          NOT NULL,
    prev_hash  CHAR(64)     NOT NULL,
    hash       CHAR(64)     NOT NULL
);

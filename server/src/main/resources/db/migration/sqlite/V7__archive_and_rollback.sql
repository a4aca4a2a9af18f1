-- Products and releases are archived, never deleted: the rows that history refers to (rollouts,
-- device updates, the anti-rollback floor of a release's security counter) stay, the name or
-- version is never given to another product or image, and the catalog no longer lists, serves or
-- offers them (docs/lifecycle.md). SQLite dialect of db/migration/postgresql/V6.
ALTER TABLE product ADD COLUMN archived_at TEXT CHECK (archived_at LIKE '____-__-__T__:__:__.______Z');
ALTER TABLE firmware_release ADD COLUMN archived_at TEXT CHECK (archived_at LIKE '____-__-__T__:__:__.______Z');
-- A fleet rollback is a rollout marked as a downgrade: its release may be offered to devices running
-- a newer version (docs/lifecycle.md).
ALTER TABLE rollout ADD COLUMN downgrade INTEGER DEFAULT 0 NOT NULL CHECK (downgrade IN (0, 1));

-- Products and releases are archived, never deleted: the rows that history refers to (rollouts,
-- device updates, the anti-rollback floor of a release's security counter) stay, the name or
-- version is never given to another product or image, and the catalog no longer lists, serves or
-- offers them (docs/lifecycle.md).
ALTER TABLE product ADD COLUMN archived_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE firmware_release ADD COLUMN archived_at TIMESTAMP WITH TIME ZONE;
-- A fleet rollback is a rollout marked as a downgrade: its release may be offered to devices running
-- a newer version (docs/lifecycle.md).
ALTER TABLE rollout ADD COLUMN downgrade BOOLEAN DEFAULT FALSE NOT NULL;

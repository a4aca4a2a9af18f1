-- Delivery limits of a rollout (docs/rollouts.md): the install deadline after a complete download,
-- maintenance windows in a named time zone, and a rate cap on new offers with an optional ramp.
-- SQLite dialect of db/migration/postgresql/V6 (see V1 here for the rules). The rollout table is
-- STRICT (V2): ALTER TABLE ADD COLUMN keeps it so, and each column declares a STRICT type.

ALTER TABLE rollout ADD COLUMN install_deadline_seconds INTEGER DEFAULT 3600 NOT NULL;
ALTER TABLE rollout ADD COLUMN offer_windows TEXT CHECK (length(offer_windows) <= 1000);
ALTER TABLE rollout ADD COLUMN time_zone TEXT CHECK (length(time_zone) <= 64);
ALTER TABLE rollout ADD COLUMN offers_per_minute INTEGER;
ALTER TABLE rollout ADD COLUMN ramp_start_per_minute INTEGER;
ALTER TABLE rollout ADD COLUMN ramp_doubling_minutes INTEGER;

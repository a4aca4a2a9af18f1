-- Delivery limits of a rollout (docs/rollouts.md): the install deadline after a complete download,
-- maintenance windows in a named time zone, and a rate cap on new offers with an optional ramp.
-- Rows written before this migration get the deadline used when a product's poll interval is not
-- known (one hour, Rollout.Policy.UNKNOWN_POLL_DEADLINE) and no windows or cap, as before.

ALTER TABLE rollout ADD COLUMN install_deadline_seconds BIGINT DEFAULT 3600 NOT NULL;
ALTER TABLE rollout ADD COLUMN offer_windows VARCHAR(1000);
ALTER TABLE rollout ADD COLUMN time_zone VARCHAR(64);
ALTER TABLE rollout ADD COLUMN offers_per_minute INT;
ALTER TABLE rollout ADD COLUMN ramp_start_per_minute INT;
ALTER TABLE rollout ADD COLUMN ramp_doubling_minutes BIGINT;

-- The dashboard's overview (fleet/FleetOverview) aggregates in the database: updates that ended
-- (outcomes over time, devices that need attention) by state and time; devices refused for their
-- chip or free space by their last outcome. No index on last_seen, for the reason V9 gives: the
-- overview's counts by last seen scan the device table (BENCHMARKS.md, "Dashboard overview").
CREATE INDEX device_update_state_finished ON device_update (state, finished_at);
CREATE INDEX device_last_outcome ON device (last_outcome);

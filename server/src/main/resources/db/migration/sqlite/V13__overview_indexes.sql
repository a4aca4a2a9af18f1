-- SQLite dialect of db/migration/postgresql/V13: the indexes of the dashboard's overview
-- (fleet/FleetOverview).
CREATE INDEX device_update_state_finished ON device_update (state, finished_at);
CREATE INDEX device_last_outcome ON device (last_outcome);

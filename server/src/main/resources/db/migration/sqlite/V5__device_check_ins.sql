-- The device row counts its check-ins (the check-in writer keeps one pending row per device, which
-- stands for every check-in it superseded). Devices registered before this migration start at 0.
-- SQLite dialect of db/migration/postgresql/V5.
ALTER TABLE device ADD COLUMN check_ins INTEGER DEFAULT 0 NOT NULL;

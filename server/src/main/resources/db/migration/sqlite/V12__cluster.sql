-- Several instances on one database (docs/cluster.md) need PostgreSQL; the embedded database is
-- one instance's. SQLite dialect of db/migration/postgresql/V12: the same columns and tables, without
-- the change notifications (one instance has no one to tell).
ALTER TABLE rollout ADD COLUMN announced_wave INTEGER DEFAULT -1 NOT NULL;
UPDATE rollout SET announced_wave = current_wave WHERE state <> 'draft';

CREATE TABLE rollout_in_flight (
    rollout_id  INTEGER NOT NULL REFERENCES rollout (id),
    mac         TEXT    NOT NULL CHECK (length(mac) <= 17),
    instance    TEXT    NOT NULL CHECK (length(instance) <= 63),
    since       TEXT    NOT NULL CHECK (since LIKE '____-__-__T__:__:__.______Z'),
    PRIMARY KEY (rollout_id, mac)
) STRICT;

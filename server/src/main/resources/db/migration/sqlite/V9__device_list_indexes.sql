-- Indexes of the paged device list (docs/api.md, "The device list").
-- SQLite dialect of db/migration/postgresql/V9 (which says why last_seen has none).
CREATE INDEX device_product_mac ON device (product_id, mac);
DROP INDEX device_product;
CREATE INDEX device_version_mac ON device (COALESCE(running_version, ''), mac);
CREATE INDEX device_tag_tag ON device_tag (tag, mac);
CREATE INDEX device_update_state ON device_update (state, mac);
